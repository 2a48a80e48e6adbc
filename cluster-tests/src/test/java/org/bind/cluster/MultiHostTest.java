package org.bind.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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
class MultiHostTest {
    /** Set to true to run on loopback even where namespaces can be made (to test the fallback). */
    static final String LOOPBACK_PROP_NAME = "bind.test.multihost.loopback";
    private static final int RANKS = 4;
    private static final long JOB_TIMEOUT_S = 150;
    private static final Pattern READY = Pattern.compile("\\[rank (\\d+)] rank \\1 host (\\S+) pid (\\d+) aeron=(\\w+) ready");

    private VirtualHosts hosts;
    private String fallback;
    private final List<Process> daemons = new ArrayList<>();
    private int daemonPort = MpjLauncher.DEFAULT_DAEMON_PORT;
    private Path dir;
    private Path machines;

    @BeforeAll
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void startHosts() throws Exception {
        Path mpjHome = MpjHome.get();
        dir = Files.createTempDirectory("bind-multihost-");
        if (Boolean.getBoolean(LOOPBACK_PROP_NAME)) {
            fallback = LOOPBACK_PROP_NAME + " is set: the jobs run on this host's loopback instead of two hosts";
        } else {
            try {
                hosts = VirtualHosts.create(2);
            } catch (IOException e) {
                fallback = "cannot create network namespaces (" + e.getMessage() + "): the jobs run on this host's"
                    + " loopback instead of two hosts";
            }
        }
        if (fallback != null) {
            System.err.println("MultiHostTest: " + fallback);
        }
        List<String> jars = new ArrayList<>();
        try (Stream<Path> lib = Files.list(mpjHome.resolve("lib"))) {
            lib.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(p -> jars.add(p.toString()));
        }
        if (hosts != null) {
            machines = Files.write(dir.resolve("machines"), hosts.addresses());
            for (int h = 0; h < hosts.addresses().size(); h++) {
                daemons.add(startDaemon(hosts.on(h, daemonCommand(jars, daemonPort)), mpjHome, "daemon-" + h));
            }
            for (int h = 0; h < hosts.addresses().size(); h++) {
                awaitListening(h);
            }
        } else {
            daemonPort = freePort();
            machines = Files.writeString(dir.resolve("machines"), "localhost\n");
            daemons.add(startDaemon(daemonCommand(jars, daemonPort), mpjHome, "daemon"));
            long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (isFree(daemonPort)) {
                assertTrue(System.nanoTime() < deadlineNs && daemons.get(0).isAlive(), "the MPJ daemon did not listen:\n"
                    + Files.readString(dir.resolve("daemon.log")));
                Thread.sleep(100);
            }
        }
    }

    @AfterAll
    void stopHosts() throws IOException {
        for (Process daemon : daemons) {
            List<ProcessHandle> children = daemon.descendants().toList();
            daemon.destroy();
            children.forEach(ProcessHandle::destroyForcibly);
            daemon.onExit().completeOnTimeout(daemon, 10, TimeUnit.SECONDS).join();
            daemon.destroyForcibly();
        }
        if (hosts != null) {
            hosts.close();
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

    private ChildJob.Running launch(String data, Class<?> main, List<String> options, List<String> args)
        throws IOException, InterruptedException {
        List<String> launcherArgs = new ArrayList<>(List.of("-np", Integer.toString(RANKS), "--mpj-home",
            MpjHome.get().toString(), "--machines", machines.toString(), "--daemon-port", Integer.toString(daemonPort),
            "--data", data, "--tag-output", "--workers", "1", "--jobs-dir", dir.toString()));
        launcherArgs.addAll(options);
        launcherArgs.addAll(List.of("-cp", System.getProperty("java.class.path"), "--", main.getName()));
        launcherArgs.addAll(args);
        List<String> command = ChildJob.javaCommand(MpjLauncher.class.getName(), launcherArgs);
        return ChildJob.start(hosts == null ? command : hosts.on(0, command), dir, Map.of(), daemons);
    }

    private String describe(String output) {
        return (fallback == null ? "hosts " + hosts.names() + " at " + hosts.addresses() : "NOTE: " + fallback)
            + "\n" + output;
    }

    private static List<String> daemonCommand(List<String> jars, int port) {
        return List.of(ChildJob.java(), "-cp", String.join(File.pathSeparator, jars), "runtime.daemon.MPJDaemon",
            Integer.toString(port));
    }

    private Process startDaemon(List<String> command, Path mpjHome, String name) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
            .redirectOutput(dir.resolve(name + ".log").toFile());
        builder.environment().put("MPJ_HOME", mpjHome.toString());
        return builder.start();
    }

    /** Waits until host {@code h}'s daemon listens (asked with ss inside its namespace: no connection disturbs it). */
    private void awaitListening(int h) throws IOException, InterruptedException {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            String listening = VirtualHosts.run(hosts.on(h, List.of("ss", "-Hltn", "sport = :" + daemonPort))
                .toArray(String[]::new));
            if (!listening.isBlank()) {
                return;
            }
            assertTrue(System.nanoTime() < deadlineNs && daemons.get(h).isAlive(), "the MPJ daemon on "
                + hosts.names().get(h) + " did not listen:\n" + Files.readString(dir.resolve("daemon-" + h + ".log")));
            Thread.sleep(100);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(0));
            return socket.getLocalPort();
        }
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException busy) {
            return false;
        }
    }
}
