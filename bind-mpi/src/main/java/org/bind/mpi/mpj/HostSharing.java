package org.bind.mpi.mpj;

import java.io.File;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Set;

import org.agrona.IoUtil;
import org.bind.mpi.aeron.AeronSettings;
import org.bind.mpi.aeron.HostDriver;
import org.bind.mpi.aeron.HostPlacement;
import org.bind.mpi.aeron.LocalAddresses;
import org.bind.transport.TransportException;

/**
 * A rank's side of the launcher's placement ({@link HostPlacement}) under MPJ Express: which ranks share its host,
 * where their media driver lives, that the rank runs where it was placed, and the flags of the driver process its lowest
 * rank starts ({@link HostDriver}). Stateless.
 */
final class HostSharing {
    /** The job's status directory, which the launcher names to every rank (MpjRankMain's property of that name). */
    private static final String STATUS_DIR_PROP_NAME = org.bind.mpi.launch.MpjRankMain.STATUS_DIR_PROP_NAME;

    private HostSharing() {
    }

    /** Stops the driver this rank started for its host, if any, when the job cannot start: the others fail too. */
    static void stopDriver(Process started, AeronSettings tuning, HostPlacement placement, int rank) {
        if (started != null) {
            started.destroyForcibly();
            IoUtil.delete(hostDir(tuning, placement, rank), true);
        }
    }

    /** Where the launcher placed the ranks ({@value HostPlacement#PROP_NAME}), or null when it does not say. */
    static HostPlacement placement(int size) {
        String text = System.getProperty(HostPlacement.PROP_NAME, "").trim();
        String hosts = System.getProperty(AeronOverMpj.HOSTS_PROP_NAME, "").trim();
        if (text.isEmpty() || hosts.isEmpty()) {
            return null;
        }
        return HostPlacement.parse(text, size, hosts.split(",").length);
    }

    /** The directory of the driver of {@code rank}'s host. */
    static File hostDir(AeronSettings settings, HostPlacement placement, int rank) {
        return settings.hostSharedDir(placement.hostOf(rank));
    }

    /**
     * Fails unless the host the launcher placed {@code rank} on names one of this host's addresses: ranks it placed
     * together must share this host's memory.
     */
    static void checkPlaced(HostPlacement placement, int rank) {
        String host = System.getProperty(AeronOverMpj.HOSTS_PROP_NAME, "").split(",")[placement.hostOf(rank)].trim();
        Set<InetAddress> local = LocalAddresses.ofThisHost();
        try {
            for (InetAddress address : InetAddress.getAllByName(host)) {
                if (local.contains(address)) {
                    return;
                }
            }
        } catch (UnknownHostException e) {
            throw new TransportException("job host '" + host + "' (" + AeronOverMpj.HOSTS_PROP_NAME
                + ") does not resolve");
        }
        throw new TransportException("rank " + rank + " was placed on " + host + " (" + HostPlacement.PROP_NAME + "="
            + placement.text() + ") but runs on a host with the addresses " + local + ": MPJ Express placed the ranks"
            + " otherwise than the launcher expects");
    }

    /** The driver's JVM names the job's status directory as the ranks do, so that the launcher's reaper finds it. */
    static List<String> driverFlags() {
        String status = System.getProperty(STATUS_DIR_PROP_NAME, "").trim();
        return status.isEmpty() ? List.of() : List.of("-D" + STATUS_DIR_PROP_NAME + "=" + status);
    }
}
