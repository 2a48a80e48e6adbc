package org.bind.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.bind.examples.DiffusionExample;
import org.bind.mpi.launch.MpjLauncher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Jobs across hosts, as {@code bin/bindrun --machines FILE} runs them: two hosts made of network namespaces
 * ({@link VirtualHosts}), an MPJ Express daemon in each, the launcher on the first host, four ranks spread over both.
 * Where namespaces cannot be made (not root, no {@code ip}), the class says so on stderr and in every test's output,
 * and runs the same jobs against one daemon on this host's loopback instead ({@value #LOOPBACK_PROP_NAME} forces
 * that).
 */
@Tag("cluster")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(DumpJobsOnTimeout.class)
class MultiHostTest {
    /** Set to true to run on loopback even where namespaces can be made (to test the fallback). */
    static final String LOOPBACK_PROP_NAME = "bind.test.multihost.loopback";
    private static final int RANKS = 4;
    private static final long JOB_TIMEOUT_S = 150;
    private static final Pattern READY = Pattern.compile("\\[rank (\\d+)] rank \\1 host (\\S+) pid (\\d+) aeron=(\\w+) ready");

    private MpjHosts cluster;
    private VirtualHosts hosts;
    private String fallback;
    private Path dir;

    @BeforeAll
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void startHosts() throws Exception {
        MpjHome.get();
        dir = Files.createTempDirectory("bind-multihost-");
        cluster = Boolean.getBoolean(LOOPBACK_PROP_NAME) ? MpjHosts.loopback(dir, LOOPBACK_PROP_NAME + " is set: the"
            + " jobs run on this host's loopback instead of two hosts") : MpjHosts.virtual(dir, 2);
        hosts = cluster.hosts();
        fallback = cluster.fallback();
        if (fallback != null) {
            System.err.println("MultiHostTest: " + fallback);
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
    void shouldSpreadRanksOverTheHostsAndMoveDataOverAeron() throws Exception {
        ChildJob.Result result = launch("aeron", HostsProgram.class, List.of(), List.of()).await(JOB_TIMEOUT_S);
        String report = describe(result.output());
        System.out.println(report);
        assertEquals(0, result.status(), report);
        assertTrue(result.output().contains("[rank 0] sum " + RANKS * (RANKS + 1) / 2), report);
        Set<String> seenHosts = new TreeSet<>();
        int ready = 0;
        for (String line : result.output().lines().toList()) {
            Matcher m = READY.matcher(line);
            if (m.matches()) {
                ready++;
                seenHosts.add(m.group(2));
                assertEquals("true", m.group(4), "rank " + m.group(1) + " has no Aeron directory: " + report);
            }
        }
        assertEquals(RANKS, ready, report);
        if (hosts != null) {
            assertEquals(new TreeSet<>(hosts.names()), seenHosts, report);
        }
    }

    @ParameterizedTest(name = "diffusion, frames over {0}")
    @ValueSource(strings = {"aeron", "mpj"})
    @Timeout(value = 200, unit = TimeUnit.SECONDS)
    void shouldComputeTheSameDiffusionAcrossHosts(String data) throws Exception {
        ChildJob.Result result = launch(data, DiffusionExample.class, List.of(), List.of()).await(JOB_TIMEOUT_S);
        ExampleRuns.assertKnownResult(result.status(), result.output(), ExampleRuns.expectedDiffusion(),
            describe(result.output()));
    }

    @Test
    @Timeout(value = 200, unit = TimeUnit.SECONDS)
    void shouldReportAKilledRankOnEverySurvivor() throws Exception {
        long heartbeatTimeoutMs = 3_000;
        ChildJob.Running job = launch("aeron", HostsProgram.class,
            List.of("-J-Dbind.heartbeat.timeout.ms=" + heartbeatTimeoutMs, "--grace-ms", "10000"), List.of("loop"));
        Map<Integer, Long> pids = new java.util.TreeMap<>();
        Map<Integer, String> rankHosts = new java.util.TreeMap<>();
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(JOB_TIMEOUT_S);
        while (pids.size() < RANKS) {
            assertTrue(System.nanoTime() < deadlineNs, "the ranks did not all start:\n" + job.output());
            pids.clear();
            for (String line : job.output().lines().toList()) {
                Matcher m = READY.matcher(line);
                if (m.matches()) {
                    pids.put(Integer.parseInt(m.group(1)), Long.parseLong(m.group(3)));
                    rankHosts.put(Integer.parseInt(m.group(1)), m.group(2));
                }
            }
            Thread.sleep(100);
        }
        Thread.sleep(500);
        // a rank on the second host (the launcher runs on the first); on loopback, rank 1
        int victim = hosts == null ? 1 : rankHosts.entrySet().stream()
            .filter(e -> e.getValue().equals(hosts.names().get(1))).findFirst().orElseThrow().getKey();
        Optional<ProcessHandle> handle = ProcessHandle.of(pids.get(victim));
        assertTrue(handle.isPresent(), "rank " + victim + " is not running:\n" + job.output());
        handle.get().destroyForcibly(); // SIGKILL
        ChildJob.Result result = job.await(JOB_TIMEOUT_S);
        String report = describe(result.output());
        System.out.println(report);
        assertNotEquals(0, result.status(), report);
        for (int r = 0; r < RANKS; r++) {
            if (r != victim) {
                int rank = r;
                assertTrue(result.output().lines().anyMatch(l -> l.startsWith("[rank " + rank + "]")
                    && l.contains("rank " + victim + " lost")), "rank " + r + " did not report rank " + victim
                    + " lost:\n" + report);
            }
        }
        for (long pid : pids.values()) {
            Optional<ProcessHandle> left = ProcessHandle.of(pid);
            left.ifPresent(p -> p.onExit().completeOnTimeout(p, 10, TimeUnit.SECONDS).join());
            assertFalse(left.map(ProcessHandle::isAlive).orElse(false), "rank JVM " + pid + " still runs:\n" + report);
        }
    }

    /**
     * {@code kill -9} of the launcher of a job across both hosts (frames over Aeron, heartbeat timeout 5 s): the ranks
     * on the launcher's host watch its process, those on the other host its heartbeat in the job directory, which
     * the launcher's reaper removes; every rank ends within the heartbeat timeout plus 2 s, as do MPJ's starter and
     * the reaper, and the job directory is removed. With every process the launcher started killed too (MPJ's starter
     * and the reaper, as when the launcher's host itself is lost), nothing removes the job directory, and the ranks
     * of the other host notice that the heartbeat has stopped, within the same bound.
     */
    @ParameterizedTest(name = "kill -9 of the {0}")
    @ValueSource(strings = {"launcher", "launcher and every process it started"})
    @Timeout(value = 200, unit = TimeUnit.SECONDS)
    void shouldEndTheRanksOnEveryHostWhenTheLauncherIsKilled(String killed) throws Exception {
        long limitMs = org.bind.mpi.aeron.AeronSettings.HEARTBEAT_TIMEOUT_MS_DEFAULT + 2_000;
        Path jobs = Files.createDirectories(dir.resolve("jobs-" + killed.length()));
        ChildJob.Running job = launch("aeron", jobs, HostsProgram.class, List.of(), List.of("loop"));
        Map<Integer, Long> pids = awaitReady(job);
        ProcessHandle launcher = Stream.concat(Stream.of(job.handle()), job.handle().descendants())
            .filter(p -> p.info().command().orElse("").endsWith("/java"))   // not ip, unshare or sh before their exec
            .filter(p -> p.info().commandLine().orElse("").contains(MpjLauncher.class.getName())).findFirst()
            .orElseThrow(() -> new AssertionError("no launcher JVM below " + job.handle()));
        List<ProcessHandle> helpers = launcher.descendants().toList();
        assertTrue(helpers.stream().anyMatch(p -> p.info().commandLine().orElse("").contains("JobReaper")),
            () -> "no reaper among the launcher's processes " + helpers);
        List<ProcessHandle> all = new ArrayList<>(helpers);
        pids.values().forEach(pid -> ProcessHandle.of(pid).ifPresent(all::add));
        List<String> named = all.stream().map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList();
        // two ranks per host share its media driver, a process of its own (on loopback: one host, one driver)
        assertEquals(hosts == null ? 1 : 2, hostDrivers(jobs).size(), () -> "host media drivers before the kill: "
            + hostDrivers(jobs).stream().map(p -> p.pid() + " " + p.info().commandLine().orElse("")).toList());
        long killedNs = System.nanoTime();
        if (killed.contains("every")) {
            helpers.forEach(ProcessHandle::destroyForcibly);   // MPJ's starter and the reaper: the whole host's share
        }
        launcher.destroyForcibly();
        List<String> late = new ArrayList<>();
        List<Long> endedMs = new ArrayList<>();
        for (ProcessHandle process : all) {
            while (process.isAlive() && System.nanoTime() - killedNs < TimeUnit.MILLISECONDS.toNanos(limitMs + 20_000)) {
                Thread.sleep(20);
            }
            long ms = process.isAlive() ? -1 : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedNs);
            endedMs.add(ms);
            if (ms < 0 || ms > limitMs) {
                late.add(process.pid() + (ms < 0 ? " still running" : " ended after " + ms + " ms"));
            }
        }
        // the media driver each host's ranks shared notices within 0.1 s that they are gone and ends
        long driverDeadlineNs = killedNs + TimeUnit.MILLISECONDS.toNanos(limitMs + 1_000);
        List<ProcessHandle> drivers = hostDrivers(jobs);
        while (!drivers.isEmpty() && System.nanoTime() < driverDeadlineNs) {
            Thread.sleep(20);
            drivers = hostDrivers(jobs);
        }
        drivers.forEach(p -> late.add("host media driver " + p.pid() + " still running"));
        String report = describe(job.output()) + "\nranks by host " + awaitReadyHosts(job) + "; processes " + named;
        all.forEach(ProcessHandle::destroyForcibly);
        job.stop();
        assertTrue(late.isEmpty(), () -> "processes of the job outlived the launcher by more than " + limitMs + " ms: "
            + late + "\n" + report);
        try (Stream<Path> left = Files.list(jobs)) {
            List<Path> dirs = left.toList();
            if (killed.contains("every")) {
                // nobody is left on the launcher's host to remove it: the test does
                for (Path d : dirs) {
                    try (Stream<Path> walk = Files.walk(d)) {
                        walk.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
                    }
                }
            } else {
                assertEquals(List.of(), dirs, () -> "the job directory is left behind\n" + report);
            }
        }
        System.out.println("kill -9 of the " + killed + ": processes " + named + " ended after " + endedMs + " ms");
    }

    /** The media driver processes of the ranks' hosts of the jobs under {@code jobsDir} (named in their status directory). */
    private static List<ProcessHandle> hostDrivers(Path jobsDir) {
        return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive).filter(p -> {
            String line = p.info().commandLine().orElse("");
            return line.contains(org.bind.mpi.aeron.HostDriverMain.class.getName()) && line.contains(jobsDir.toString());
        }).toList();
    }

    /** Waits until every rank has said where it runs; returns their pids by rank. */
    private Map<Integer, Long> awaitReady(ChildJob.Running job) throws IOException, InterruptedException {
        Map<Integer, Long> pids = new java.util.TreeMap<>();
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(JOB_TIMEOUT_S);
        while (pids.size() < RANKS) {
            assertTrue(System.nanoTime() < deadlineNs && job.alive(), "the ranks did not all start:\n" + job.output());
            pids.clear();
            for (String line : job.output().lines().toList()) {
                Matcher m = READY.matcher(line);
                if (m.matches()) {
                    pids.put(Integer.parseInt(m.group(1)), Long.parseLong(m.group(3)));
                }
            }
            Thread.sleep(100);
        }
        return pids;
    }

    /** The host of each rank, from the lines the ranks printed. */
    private static Map<Integer, String> awaitReadyHosts(ChildJob.Running job) throws IOException {
        Map<Integer, String> hosts = new java.util.TreeMap<>();
        for (String line : job.output().lines().toList()) {
            Matcher m = READY.matcher(line);
            if (m.matches()) {
                hosts.put(Integer.parseInt(m.group(1)), m.group(2));
            }
        }
        return hosts;
    }

    private ChildJob.Running launch(String data, Class<?> main, List<String> options, List<String> args)
        throws IOException, InterruptedException {
        return launch(data, dir, main, options, args);
    }

    private ChildJob.Running launch(String data, Path jobsDir, Class<?> main, List<String> options, List<String> args)
        throws IOException, InterruptedException {
        List<String> launcherArgs = new ArrayList<>(List.of("-np", Integer.toString(RANKS), "--mpj-home",
            MpjHome.get().toString(), "--machines", cluster.machines().toString(), "--daemon-port",
            Integer.toString(cluster.daemonPort()),
            "--data", data, "--tag-output", "--workers", "1", "--jobs-dir", jobsDir.toString()));
        launcherArgs.addAll(options);
        launcherArgs.addAll(List.of("-cp", System.getProperty("java.class.path"), "--", main.getName()));
        launcherArgs.addAll(args);
        List<String> command = ChildJob.javaCommand(MpjLauncher.class.getName(), launcherArgs);
        return ChildJob.start(cluster.on(0, command), dir, Map.of(), cluster.daemons());
    }

    private String describe(String output) {
        return cluster.describe(output);
    }
}
