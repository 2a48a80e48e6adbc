package org.bind.mpi.aeron;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.bind.transport.TransportException;

/**
 * Which host each rank of a job runs on, as the launcher placed them: for every rank, the index (in the job's host
 * list, {@code bind.aeron.hosts}) of its host. The launcher computes it and passes it to every rank in
 * {@value #PROP_NAME} (comma-separated, index = rank); ranks with the same index share their host's media driver
 * ({@link HostDriver}) and reach each other over IPC. A rank learns its same-host peers from here alone, never from
 * the endpoints its peers announce. Immutable.
 *
 * @param hostOfRank the host index of each rank; two entries of the host list naming the same address share the
 *                   index of the first
 */
public record HostPlacement(List<Integer> hostOfRank) {
    public static final String PROP_NAME = "bind.aeron.placement";

    public HostPlacement {
        hostOfRank = List.copyOf(hostOfRank);
    }

    /**
     * Where MPJ Express 0.44's starter puts {@code ranks} ranks on {@code hosts} (a machines file's entries, in order):
     * one rank per host while there are no more ranks than hosts; else in consecutive blocks, the first
     * {@code ranks % hosts} hosts getting one rank more than the others (read in its {@code MPJRun.assignTasks}).
     * Entries that resolve to the same address (as MPJ's starter resolves them) are one host.
     */
    public static HostPlacement mpjBlocks(List<String> hosts, int ranks) {
        int count = hosts.size();
        if (count == 0 || ranks < 1) {
            throw new IllegalArgumentException(ranks + " ranks on " + count + " hosts");
        }
        int[] entry = new int[ranks];
        if (ranks <= count) {
            for (int r = 0; r < ranks; r++) {
                entry[r] = r;
            }
        } else {
            int each = ranks / count;
            int larger = ranks % count;
            int rank = 0;
            for (int h = 0; h < count; h++) {
                for (int k = 0; k < each + (h < larger ? 1 : 0); k++) {
                    entry[rank++] = h;
                }
            }
        }
        Map<String, Integer> firstByAddress = new HashMap<>();
        int[] same = new int[count];
        for (int h = 0; h < count; h++) {
            firstByAddress.putIfAbsent(address(hosts.get(h)), h);
            same[h] = firstByAddress.get(address(hosts.get(h)));
        }
        List<Integer> placed = new ArrayList<>(ranks);
        for (int r = 0; r < ranks; r++) {
            placed.add(same[entry[r]]);
        }
        return new HostPlacement(placed);
    }

    /** The placement {@code text} describes for a job of {@code size} ranks on {@code hosts} hosts. */
    public static HostPlacement parse(String text, int size, int hosts) {
        String[] parts = text.trim().split(",");
        if (parts.length != size) {
            throw new TransportException(PROP_NAME + " places " + parts.length + " ranks, the job has " + size);
        }
        List<Integer> placed = new ArrayList<>(size);
        for (String part : parts) {
            int host;
            try {
                host = Integer.parseInt(part.trim());
            } catch (NumberFormatException e) {
                host = -1;
            }
            if (host < 0 || host >= hosts) {
                throw new TransportException(PROP_NAME + "='" + text + "': '" + part + "' is not a host index in [0, "
                    + hosts + ")");
            }
            placed.add(host);
        }
        return new HostPlacement(placed);
    }

    /** The text for {@value #PROP_NAME}. */
    public String text() {
        return String.join(",", hostOfRank.stream().map(String::valueOf).toList());
    }

    /** The ranks on {@code rank}'s host, {@code rank} among them. */
    public Set<Integer> sameHost(int rank) {
        Set<Integer> ranks = new TreeSet<>();
        for (int r = 0; r < hostOfRank.size(); r++) {
            if (hostOfRank.get(r).equals(hostOfRank.get(rank))) {
                ranks.add(r);
            }
        }
        return ranks;
    }

    /** The host index of {@code rank}. */
    public int hostOf(int rank) {
        return hostOfRank.get(rank);
    }

    /** {@code host}'s address as MPJ's starter resolves it, or the name itself when it does not resolve. */
    private static String address(String host) {
        try {
            return InetAddress.getByName(host).getHostAddress();
        } catch (UnknownHostException e) {
            return host;
        }
    }
}
