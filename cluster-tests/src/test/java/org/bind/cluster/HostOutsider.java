package org.bind.cluster;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.bind.mpi.aeron.AeronSettings;
import org.bind.mpi.aeron.AeronTransport;

/**
 * An outsider on one host of a {@code --machines} job, who knows nothing the job did not show it: a process of its
 * own, with its own media driver and no secret, that learns where the ranks of its host listen as anyone on the host
 * can. It looks every {@value #SCAN_MS} ms for processes of its network namespace (its host) whose command line
 * names {@code marker} and {@code MpjRankMain}; for each, the UDP socket bound to an address of the host (not the
 * wildcard) and connected to no peer (its publications' sockets are connected): the rank's Aeron endpoint, which
 * the job chose at run time, is found in {@code /proc/PID/net/udp} (and
 * {@code udp6}) by the inodes of the sockets in {@code /proc/PID/fd}, as {@code ss -ulnp} finds it; the job id is
 * read from the file the rank's command line names ({@code -Dbind.job.file}), when it can be. It prints
 * {@code outsider flooding pid P at ADDRESS:PORT} and floods the endpoint from {@value OutsiderFlood#SESSIONS}
 * sessions with {@link OutsiderFlood}'s messages of every type byte until the stop file appears (at most
 * {@value #LIMIT_S} s). At the end it prints, per rank process,
 * {@code outsider to pid P messages M fragments F first-ns T} (T: {@link System#nanoTime()} of its first message
 * there, comparable with the ranks' own on one machine). {@code args}: seed, marker, stop file, ranks of the job.
 */
public final class HostOutsider {
    static final long SCAN_MS = 20;
    static final int LIMIT_S = 200;

    private HostOutsider() {
    }

    /** What the outsider does to one rank process. */
    private static final class Target {
        final long pid;
        long jobId;
        final List<ExclusivePublication> sessions = new ArrayList<>();
        long messages;
        long fragments;
        long firstNs;

        Target(long pid) {
            this.pid = pid;
        }
    }

    public static void main(String[] args) throws Exception {
        Random random = new Random(Long.parseLong(args[0]));
        String marker = args[1];
        Path stop = Path.of(args[2]);
        int size = Integer.parseInt(args[3]);
        Path ownNet = Files.readSymbolicLink(Path.of("/proc/self/ns/net"));
        long self = ProcessHandle.current().pid();
        File dir = new File(new File("/dev/shm").isDirectory() ? "/dev/shm" : System.getProperty("java.io.tmpdir"),
            "bind-test-outsider-" + self);
        MediaDriver driver = MediaDriver.launch(new MediaDriver.Context().aeronDirectoryName(dir.getPath())
            .threadingMode(ThreadingMode.SHARED).dirDeleteOnStart(true).dirDeleteOnShutdown(true)
            .publicationTermBufferLength(1 << 20).printConfigurationOnStart(false));
        Aeron client = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir.getPath()));
        Map<Long, Target> targets = new LinkedHashMap<>();
        Set<Long> ignored = new HashSet<>();
        String build = AeronSettings.defaultBuildId();
        try {
            System.out.println("outsider ready");
            long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(LIMIT_S);
            long scanNs = 0;
            while (!Files.exists(stop) && System.nanoTime() < deadlineNs) {
                if (System.nanoTime() - scanNs > TimeUnit.MILLISECONDS.toNanos(SCAN_MS)) {
                    scanNs = System.nanoTime();
                    scan(client, marker, ownNet, self, targets, ignored);
                }
                for (Target target : targets.values()) {
                    for (ExclusivePublication session : target.sessions) {
                        if (!session.isConnected()) {
                            continue;
                        }
                        byte[] message = OutsiderFlood.message(random, target.jobId, size, build);
                        if (session.offer(new UnsafeBuffer(message)) > 0) {
                            if (target.messages++ == 0) {
                                target.firstNs = System.nanoTime();
                            }
                            target.fragments += (message.length + OutsiderFlood.FRAGMENT_PAYLOAD - 1)
                                / OutsiderFlood.FRAGMENT_PAYLOAD;
                        }
                    }
                }
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(50));
            }
        } finally {
            CloseHelper.quietCloseAll(client, driver);
            IoUtil.delete(dir, true);
        }
        for (Target target : targets.values()) {
            System.out.println("outsider to pid " + target.pid + " messages " + target.messages + " fragments "
                + target.fragments + " first-ns " + target.firstNs);
        }
    }

    /** Finds the rank processes of this host not targeted yet and, once they listen, floods their endpoints. */
    private static void scan(Aeron client, String marker, Path ownNet, long self, Map<Long, Target> targets,
                             Set<Long> ignored) {
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path process : processes) {
                long pid = Long.parseLong(process.getFileName().toString());
                if (pid == self || targets.containsKey(pid) || ignored.contains(pid)) {
                    continue;
                }
                String commandLine = read(process.resolve("cmdline")).replace('\0', ' ');
                if (!commandLine.contains(marker) || !commandLine.contains("MpjRankMain")) {
                    // not a rank; a process younger than a second may still be a fork about to run one
                    if (ProcessHandle.of(pid).flatMap(p -> p.info().startInstant())
                        .map(start -> start.isBefore(java.time.Instant.now().minusSeconds(1))).orElse(true)) {
                        ignored.add(pid);
                    }
                    continue;
                }
                if (!ownNet.equals(readLink(process.resolve("ns/net")))) {
                    ignored.add(pid);   // a rank of another host
                    continue;
                }
                String endpoint = endpoint(process);
                if (endpoint == null) {
                    continue;   // not listening yet: looked at again at the next scan
                }
                Target target = new Target(pid);
                target.jobId = jobId(commandLine);
                for (int s = 0; s < OutsiderFlood.SESSIONS; s++) {
                    target.sessions.add(client.addExclusivePublication("aeron:udp?endpoint=" + endpoint + "|mtu="
                        + OutsiderFlood.MTU, AeronTransport.STREAM_ID));
                }
                targets.put(pid, target);
                System.out.println("outsider flooding pid " + pid + " at " + endpoint);
            }
        } catch (IOException e) {
            // /proc changes under the scan: looked at again at the next one
        }
    }

    /** The process's UDP socket bound to a host address (not the wildcard), as ADDRESS:PORT; null when none. */
    static String endpoint(Path process) {
        Set<String> inodes = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(process.resolve("fd"))) {
            for (Path fd : fds) {
                String link = String.valueOf(readLink(fd));
                if (link.startsWith("socket:[")) {
                    inodes.add(link.substring("socket:[".length(), link.length() - 1));
                }
            }
        } catch (IOException e) {
            return null;
        }
        for (String table : new String[] {"net/udp", "net/udp6"}) {
            for (String line : read(process.resolve(table)).lines().skip(1).toList()) {
                String[] fields = line.trim().split("\\s+");
                if (fields.length < 10 || !inodes.contains(fields[9]) || !fields[2].matches("[0:]+")) {
                    continue;   // not the process's, or connected to a peer (a publication's socket, not an endpoint)
                }
                String[] local = fields[1].split(":");
                InetAddress address = address(local[0]);
                if (address != null && !address.isAnyLocalAddress()) {
                    return address.getHostAddress() + ":" + Integer.parseInt(local[1], 16);
                }
            }
        }
        return null;
    }

    /**
     * An address as /proc prints it: the 32-bit words of the address in host (little-endian) order, in hex; an
     * IPv4-mapped IPv6 address gives its IPv4 address. Null when it cannot be read.
     */
    static InetAddress address(String hex) {
        byte[] bytes = new byte[hex.length() / 2];
        for (int word = 0; word < bytes.length / 4; word++) {
            for (int b = 0; b < 4; b++) {
                bytes[word * 4 + b] = (byte) Integer.parseInt(hex.substring(word * 8 + (3 - b) * 2, word * 8 + (3 - b) * 2
                    + 2), 16);
            }
        }
        try {
            return InetAddress.getByAddress(bytes);   // an IPv4-mapped IPv6 address comes back as its IPv4 address
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** The job id in the file {@code -Dbind.job.file} names, when this user can read it; else 0. */
    private static long jobId(String commandLine) {
        for (String word : commandLine.split(" ")) {
            if (word.startsWith("-Dbind.job.file=")) {
                try {
                    return Long.parseUnsignedLong(Files.readString(Path.of(word.substring("-Dbind.job.file=".length())))
                        .trim(), 16);
                } catch (IOException | NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 0;
    }

    private static String read(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static Path readLink(Path link) {
        try {
            return Files.readSymbolicLink(link);
        } catch (IOException e) {
            return null;
        }
    }
}
