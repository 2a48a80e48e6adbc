package org.bind.mpi.aeron;

import java.io.File;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import io.aeron.driver.MediaDriver;
import org.agrona.IoUtil;

/**
 * The process of the media driver that the ranks of one host share ({@link HostDriver}):
 * {@code HostDriverMain DIR RANKS WAIT_MS}, with the driver's settings as system properties ({@code bind.aeron.mtu},
 * {@code bind.aeron.term.bytes}, {@code bind.aeron.idle.park.us}). Starts the driver in the private directory
 * {@code DIR} ({@link EmbeddedAeron#launchDriver}), names itself in it ({@value HostDriver#PID_FILE}), then looks every
 * {@value HostDriver#WATCH_PERIOD_MS} ms at the ranks {@code RANKS} (comma-separated) that registered in it, and ends
 * (driver closed, directory removed, status 0) when:
 * <ul>
 * <li>every one of them has registered and none is left: each closed (and unregistered) or died, SIGKILL included;</li>
 * <li>none is left and {@code WAIT_MS} (the ranks' connect timeout) has passed since the start: a rank that never
 * came will not now;</li>
 * <li>{@code DIR} was removed (the launcher cleaned up this host), or the job's status directory named by
 * {@code -Dbind.launch.status.dir} was (the launcher is gone, or the job ended).</li>
 * </ul>
 * A driver that cannot start says why on stderr (its starting rank forwards it) and exits with status 1.
 */
public final class HostDriverMain {
    private static final String STATUS_DIR_PROP_NAME = "bind.launch.status.dir";

    private HostDriverMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 3 || !args[1].matches("\\d{1,9}(,\\d{1,9})*") || !args[2].matches("\\d{1,12}")) {
            System.err.println("usage: HostDriverMain DIR RANKS WAIT_MS (RANKS comma-separated)");
            System.exit(2);
        }
        File dir = new File(args[0]);
        Set<Integer> ranks = new TreeSet<>();
        for (String rank : args[1].split(",")) {
            ranks.add(Integer.parseInt(rank));
        }
        long waitNs = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(args[2]));
        String status = System.getProperty(STATUS_DIR_PROP_NAME, "").trim();
        Path statusDir = status.isEmpty() ? null : Path.of(status);
        MediaDriver driver;
        try {
            // the job description is the ranks' business: only the driver's tuning (system properties) counts here
            AeronSettings settings = AeronSettings.of(0, 1, 0, List.of(InetSocketAddress.createUnresolved("localhost",
                1)), new byte[0], Map.of());
            driver = EmbeddedAeron.launchDriver(settings, dir, error -> System.err.println("error: " + error));
            ProcessMark.self().write(dir.toPath().resolve(HostDriver.PID_FILE));
        } catch (RuntimeException e) {
            System.err.println("cannot start in " + dir + " for ranks " + ranks + ": " + e);
            IoUtil.delete(dir, true);
            System.exit(1);
            return;
        }
        String why = awaitEnd(dir, ranks, statusDir, waitNs);
        driver.close();
        IoUtil.delete(dir, true);
        if (!why.isEmpty()) {
            System.err.println("ended: " + why);
        }
        System.exit(0);
    }

    /** Waits for one of the ends above; returns why, or "" for the normal end (every rank closed). */
    private static String awaitEnd(File dir, Set<Integer> ranks, Path statusDir, long waitNs)
        throws InterruptedException {
        long startNs = System.nanoTime();
        Map<Integer, ProcessMark> seen = new HashMap<>();
        while (true) {
            TimeUnit.MILLISECONDS.sleep(HostDriver.WATCH_PERIOD_MS);
            if (!dir.isDirectory()) {
                return "its directory " + dir + " was removed";
            }
            if (statusDir != null && !Files.isDirectory(statusDir)) {
                return "the job's directory was removed (the job ended or its launcher is gone)";
            }
            boolean anyAlive = false;
            boolean anyDied = false;
            for (int rank : ranks) {
                ProcessMark client = ProcessMark.read(dir.toPath().resolve(HostDriver.CLIENT_PREFIX + rank));
                if (client != null) {
                    seen.put(rank, client);
                    anyAlive |= client.alive();
                    anyDied |= !client.alive();
                }
            }
            if (anyAlive) {
                continue;
            }
            if (seen.size() == ranks.size()) {
                return anyDied ? "every rank of this host " + ranks + " has ended, some without closing" : "";
            }
            if (System.nanoTime() - startNs > waitNs) {
                return "ranks " + seen.keySet() + " of " + ranks + " came and none is left";
            }
        }
    }
}
