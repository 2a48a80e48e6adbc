package org.bind.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.bind.mpi.aeron.AeronSettings;
import org.bind.mpi.aeron.HostDriverMain;
import org.bind.mpi.launch.MpjLauncher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code bin/bindrun --machines} with two ranks on each of two hosts made of network namespaces ({@link MpjHosts}):
 * the ranks of a host share one media driver, a process of its own, and reach each other over Aeron IPC; ranks of
 * different hosts talk UDP (each rank says which path it takes to each peer, {@code -Dbind.aeron.verbose=true}). The
 * ring of {@link HostPathsProgram} moves a version within a host and across hosts in turn. A rank killed (SIGKILL)
 * in the middle of a same-host transfer, or the driver of its host killed, is reported as "rank k lost" by every
 * survivor, and nothing of the job is left: no rank, no driver process, nothing of the job under /dev/shm. Where
 * namespaces cannot be made, the same jobs run on one host's loopback (all four ranks then share one driver).
 */
@Tag("cluster")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(DumpJobsOnTimeout.class)
class SameHostAcrossHostsTest {
    private static final int RANKS = 4;
    private static final long JOB_TIMEOUT_S = 150;
    private static final Pattern READY = Pattern.compile(
        "\\[rank (\\d+)] rank \\1 host (\\S+) pid (\\d+) job ([0-9a-f]+) ready");
    private static final Pattern PATH = Pattern.compile("rank (\\d+) over (ipc|udp)");

    private MpjHosts cluster;
    private Path dir;

    @BeforeAll
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void startHosts() throws Exception {
        MpjHome.get();
        dir = Files.createTempDirectory("bind-samehost-");
        cluster = MpjHosts.virtual(dir, 2);
        if (cluster.fallback() != null) {
            System.err.println("SameHostAcrossHostsTest: " + cluster.fallback());
        }
    }

    @AfterAll
    void stopHosts() throws IOException {
        if (cluster != null) {
            cluster.close();
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    @Test
    @Timeout(value = 200, unit = TimeUnit.SECONDS)
    void shouldTalkIpcWithinAHostAndUdpAcrossHosts() throws Exception {
        ChildJob.Running job = launch(List.of(), List.of("8", "3"));
        ChildJob.Result result = job.await(JOB_TIMEOUT_S);
        String report = cluster.describe(result.output());
        System.out.println(report);
        assertEquals(0, result.status(), report);
        assertTrue(result.output().contains("[rank 0] rank 0 checked " + 3 * RANKS + " updates"), report);
        Map<Integer, String> hostOf = ready(result.output(), report);
        int ipc = 0;
        int udp = 0;
        for (int r = 0; r < RANKS; r++) {
            Map<Integer, String> paths = paths(result.output(), r, report);
            for (int s = 0; s < RANKS; s++) {
                if (s != r) {
                    String expected = hostOf.get(r).equals(hostOf.get(s)) ? "ipc" : "udp";
                    assertEquals(expected, paths.get(s), "rank " + r + " to rank " + s + " (hosts " + hostOf.get(r)
                        + ", " + hostOf.get(s) + "): " + report);
                    ipc += expected.equals("ipc") ? 1 : 0;
                    udp += expected.equals("udp") ? 1 : 0;
                }
            }
        }
        if (cluster.hosts() != null) {
            assertEquals(4, ipc, "two pairs on one host each, both ways: " + report);
            assertEquals(8, udp, "every pair across the hosts, both ways: " + report);
        }
        assertNothingLeft(result.output(), report);
    }

    @Test
    @Timeout(value = 200, unit = TimeUnit.SECONDS)
    void shouldReportARankKilledInASameHostTransferOnEverySurvivor() throws Exception {
        strike(false);
    }

    @Test
    @Timeout(value = 200, unit = TimeUnit.SECONDS)
    void shouldReportRanksLostWhenTheDriverOfAHostIsKilled() throws Exception {
        strike(true);
    }

    /**
     * Starts a ring of 16 MiB versions for up to 90 s; once it moves, kills (SIGKILL) the last rank, which gets its
     * versions from a rank of its own host, or the driver of that rank's host.
     */
    private void strike(boolean driver) throws Exception {
        ChildJob.Running job = launch(List.of("-J-Dbind.heartbeat.timeout.ms=3000", "--grace-ms", "10000"),
            List.of("16", "0", "90"));
        String what = driver ? "SIGKILL to the media driver of rank " + (RANKS - 1) + "'s host"
            : "SIGKILL to rank " + (RANKS - 1) + " in the middle of a same-host transfer";
        Map<Integer, Long> pids = new TreeMap<>();
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(JOB_TIMEOUT_S);
        while (pids.size() < RANKS || !job.output().contains("rank 0 moved round 2")) {
            assertTrue(System.nanoTime() < deadlineNs && job.alive(), what + ": the ring did not start:\n"
                + cluster.describe(job.output()));
            pids.clear();
            for (String line : job.output().lines().toList()) {
                Matcher m = READY.matcher(line);
                if (m.matches()) {
                    pids.put(Integer.parseInt(m.group(1)), Long.parseLong(m.group(3)));
                }
            }
            Thread.sleep(20);
        }
        int victim = RANKS - 1;
        String job0 = jobId(job.output());
        String hostDir = AeronSettings.dirPrefix(Long.parseUnsignedLong(job0, 16)) + "host";
        ProcessHandle target;
        if (driver) {
            List<ProcessHandle> drivers = drivers(hostDir);
            String victimDir = hostDir + placedHost(victim);
            target = drivers.stream().filter(p -> p.info().commandLine().orElse("").contains(victimDir)).findFirst()
                .orElseThrow(() -> new AssertionError("no driver process for " + victimDir + " among " + drivers));
        } else {
            target = ProcessHandle.of(pids.get(victim)).orElseThrow();
        }
        assertTrue(target.destroyForcibly(), what);
        ChildJob.Result result = job.await(JOB_TIMEOUT_S);
        String report = what + "\n" + cluster.describe(result.output());
        System.out.println(report);
        assertNotEquals(0, result.status(), report);
        assertTrue(!result.output().contains("WRONG"), report);
        for (int r = 0; r < RANKS; r++) {
            if (driver || r != victim) {
                String tag = "[rank " + r + "]";
                Pattern lost = Pattern.compile(Pattern.quote(tag) + ".*rank " + (driver ? "\\d+" : victim) + " lost");
                assertTrue(result.output().lines().anyMatch(l -> lost.matcher(l).find()), "rank " + r
                    + " did not report " + (driver ? "a rank" : "rank " + victim) + " lost: " + report);
            }
        }
        for (long pid : pids.values()) {
            ProcessHandle.of(pid).ifPresent(p -> p.onExit().completeOnTimeout(p, 10, TimeUnit.SECONDS).join());
            assertTrue(ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true), "rank JVM " + pid + " still runs: "
                + report);
        }
        assertNothingLeft(result.output(), report);
    }

    /** The host index the launcher places {@code rank} on: MPJ's blocks, two ranks per host (one host on loopback). */
    private int placedHost(int rank) {
        return cluster.hosts() == null ? 0 : rank / (RANKS / 2);
    }

    /** No driver process and no directory of the job under /dev/shm, within 10 s of the job's end. */
    private static void assertNothingLeft(String output, String report) throws InterruptedException {
        String prefix = AeronSettings.dirPrefix(Long.parseUnsignedLong(jobId(output), 16));
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> left = leftovers(prefix);
        while (!left.isEmpty() && System.nanoTime() < deadlineNs) {
            Thread.sleep(50);
            left = leftovers(prefix);
        }
        assertEquals(List.of(), left, "left behind by the job: " + report);
    }

    private static List<String> leftovers(String prefix) {
        List<String> left = new ArrayList<>();
        String[] dirs = new File("/dev/shm").list((d, name) -> name.startsWith(prefix));
        for (String name : dirs == null ? new String[0] : dirs) {
            left.add("/dev/shm/" + name);
        }
        drivers(prefix).forEach(p -> left.add("driver process " + p.pid() + " " + p.info().commandLine().orElse("")));
        return left;
    }

    /** The driver processes whose directory starts with {@code dirPrefix}. */
    private static List<ProcessHandle> drivers(String dirPrefix) {
        return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive).filter(p -> {
            String line = p.info().commandLine().orElse("");
            return line.contains(HostDriverMain.class.getName()) && line.contains("/" + dirPrefix);
        }).toList();
    }

    private static String jobId(String output) {
        for (String line : output.lines().toList()) {
            Matcher m = READY.matcher(line);
            if (m.matches()) {
                return m.group(4);
            }
        }
        throw new AssertionError("no rank said its job:\n" + output);
    }

    /** Each rank's host, from the lines the ranks printed. */
    private static Map<Integer, String> ready(String output, String report) {
        Map<Integer, String> hosts = new TreeMap<>();
        for (String line : output.lines().toList()) {
            Matcher m = READY.matcher(line);
            if (m.matches()) {
                hosts.put(Integer.parseInt(m.group(1)), m.group(2));
            }
        }
        assertEquals(RANKS, hosts.size(), report);
        return hosts;
    }

    /** The path rank {@code r} said it takes to each peer. */
    private static Map<Integer, String> paths(String output, int r, String report) {
        String start = "[rank " + r + "] bind: rank " + r + " reaches ";
        String line = output.lines().filter(l -> l.startsWith(start)).findFirst()
            .orElseThrow(() -> new AssertionError("rank " + r + " did not say its paths: " + report));
        Map<Integer, String> paths = new TreeMap<>();
        Matcher m = PATH.matcher(line.substring(start.length()));
        while (m.find()) {
            paths.put(Integer.parseInt(m.group(1)), m.group(2));
        }
        return paths;
    }

    private ChildJob.Running launch(List<String> options, List<String> args) throws IOException, InterruptedException {
        List<String> launcherArgs = new ArrayList<>(List.of("-np", Integer.toString(RANKS), "--mpj-home",
            MpjHome.get().toString(), "--machines", cluster.machines().toString(), "--daemon-port",
            Integer.toString(cluster.daemonPort()), "--data", "aeron", "--tag-output", "--workers", "1", "--jobs-dir",
            dir.toString(), "-J-D" + AeronSettings.VERBOSE_ENV.toLowerCase(java.util.Locale.ROOT).replace('_', '.')
                + "=true"));
        launcherArgs.addAll(options);
        launcherArgs.addAll(List.of("-cp", System.getProperty("java.class.path"), "--",
            HostPathsProgram.class.getName()));
        launcherArgs.addAll(args);
        List<String> command = ChildJob.javaCommand(MpjLauncher.class.getName(), launcherArgs);
        return ChildJob.start(cluster.on(0, command), dir, Map.of(), cluster.daemons());
    }
}
