package org.bind.mpi.mpj;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@link MpjSmokeMain} under MPJ Express: the multicore device (ranks as threads of one JVM) and niodev
 * (one process per rank, launched by an MPJ daemon that the test starts on this host and stops again). Checks
 * the exit code and every rank's line. On a timeout the launched JVMs print their stacks (SIGQUIT) before they are
 * killed.
 */
@Tag("cluster")
class MpjLaunchTest {
    /** Ports from MPJ's mpjexpress.conf: daemon, port manager, mpjrun. */
    private static final int DAEMON_PORT = 40055;
    private static final int[] MPJ_PORTS = {DAEMON_PORT, 40052, 40002};
    private static final long JOB_TIMEOUT_S = 120;
    private static final String MAIN = MpjSmokeMain.class.getName();

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void shouldRunBindProgramOnMulticoreDevice() throws Exception {
        Path mpjHome = MpjInstallation.mpjHome();
        Path agentJar = MulticoreAgentJar.write(dir.resolve("bind-multicore-agent.jar"), MpjInstallation.runtime());
        int ranks = 3;
        List<String> command = List.of(java(), "-jar", mpjHome.resolve("lib/starter.jar").toString(),
            "-np", Integer.toString(ranks), "-dev", "multicore",
            "-javaagent:" + agentJar, "-Dbind.transport=mpj", "-Xss2m",
            "-cp", MpjInstallation.rankClasspath(), MAIN, "20000", "multicore-arg");
        Job job = run(command, mpjHome, List.of());
        assertEquals(0, job.exitCode, job.output);
        assertRanksSucceeded(job.output, ranks, "multicore-arg");
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void shouldRunBindProgramOnNiodevWithLoopbackDaemon() throws Exception {
        Path mpjHome = MpjInstallation.mpjHome();
        for (int port : MPJ_PORTS) {
            assumeTrue(isFree(port), "port " + port + " (MPJ Express, see mpjexpress.conf) is busy: another MPJ daemon"
                + " or job uses this host; skipping the niodev test");
        }
        Files.writeString(dir.resolve("machines"), "localhost\n");
        Process daemon = startDaemon(mpjHome);
        try {
            int ranks = 2;
            List<String> command = List.of(java(), "-jar", mpjHome.resolve("lib/starter.jar").toString(),
                "-np", Integer.toString(ranks), "-dev", "niodev",
                "-javaagent:" + MpjInstallation.byteBuddyAgent(), "-Dbind.transport=mpj", "-Xss2m",
                "-cp", MpjInstallation.rankClasspath(), MAIN, "20000", "niodev-arg");
            Job job = run(command, mpjHome, List.of(daemon));
            assertEquals(0, job.exitCode, job.output);
            assertRanksSucceeded(job.output, ranks, "niodev-arg");

            // MPJ itself never notices a dead rank; the transport's heartbeat (or a failing send) must
            Job lost = run(List.of(java(), "-jar", mpjHome.resolve("lib/starter.jar").toString(),
                "-np", "3", "-dev", "niodev", "-Dbind.transport=mpj", "-Dbind.mpj.heartbeat.interval.ms=250",
                "-Dbind.mpj.heartbeat.timeout.ms=3000", "-cp", MpjInstallation.rankClasspath(),
                MpjLostRankMain.class.getName()), mpjHome, List.of(daemon));
            for (int r = 0; r < 2; r++) {
                assertTrue(lost.output.contains("bind-mpj rank " + r + " saw the loss after"), lost.output);
            }
            assertFalse(lost.output.contains("sync returned"), lost.output);
        } finally {
            stop(daemon);
        }
        assertFalse(daemon.isAlive(), "MPJ daemon still running");
        assertEquals(0, daemon.descendants().filter(ProcessHandle::isAlive).count(), "processes left by the daemon");
    }

    /**
     * The MPJ data plane on both devices: the transport's contract inside an MPJ job ({@link FramesOverMpjMain}:
     * frames sent whole, gathered or written straight into MPJ's buffer arrive once, whole, in order, and land as they
     * arrive when the receiver asks), then versions one byte larger than a chunk, and of several chunks, moved point to
     * point (two at once from two senders) and down a tree with a relay ({@link MpjChunksMain}, 4 ranks, 4 KiB chunks:
     * the program's chunk size on the multicore device, the MPJ transport's preferred one on niodev), checked against
     * plain Java; then, on niodev, a rank that halts while two large frames of its move ({@link MpjLostMidTransferMain}):
     * both survivors report it lost and end, having received only whole frames.
     */
    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void shouldMoveFramesAndChunkedVersionsIntactOverTheMpjDataPlane() throws Exception {
        Path mpjHome = MpjInstallation.mpjHome();
        Path agentJar = MulticoreAgentJar.write(dir.resolve("bind-multicore-agent.jar"), MpjInstallation.runtime());
        String starter = mpjHome.resolve("lib/starter.jar").toString();
        List<String> multicore = List.of(java(), "-jar", starter, "-np", "3", "-dev", "multicore",
            "-javaagent:" + agentJar, "-Dbind.transport=mpj", "-Xss2m", "-cp", MpjInstallation.rankClasspath(),
            FramesOverMpjMain.class.getName());
        Job frames = run(multicore, mpjHome, List.of());
        assertFramesOk(frames, 3);
        Job chunks = run(List.of(java(), "-jar", starter, "-np", "4", "-dev", "multicore", "-javaagent:" + agentJar,
            "-Dbind.transport=mpj", "-Dbind.chunk.bytes=4096", "-Xss2m", "-cp", MpjInstallation.rankClasspath(),
            MpjChunksMain.class.getName()), mpjHome, List.of());
        assertChunksOk(chunks, 4);

        for (int port : MPJ_PORTS) {
            assumeTrue(isFree(port), "port " + port + " (MPJ Express, see mpjexpress.conf) is busy: another MPJ daemon"
                + " or job uses this host; skipping the niodev part");
        }
        Files.writeString(dir.resolve("machines"), "localhost\n");
        Process daemon = startDaemon(mpjHome);
        try {
            Job niodevFrames = run(command(starter, 3, List.of("-Dbind.transport=mpj", "-Xss2m"),
                FramesOverMpjMain.class.getName()), mpjHome, List.of(daemon));
            assertFramesOk(niodevFrames, 3);
            awaitNoRank(daemon, niodevFrames.output);
            Job niodevChunks = run(command(starter, 4, List.of("-Dbind.transport=mpj", "-Dbind.mpj.chunk.bytes=4096",
                "-javaagent:" + MpjInstallation.byteBuddyAgent(), "-Xss2m"), MpjChunksMain.class.getName()), mpjHome,
                List.of(daemon));
            assertChunksOk(niodevChunks, 4);
            awaitNoRank(daemon, niodevChunks.output);

            Job lostMid = run(command(starter, 3, List.of("-Dbind.transport=mpj", "-Xss2m",
                "-Dbind.mpj.heartbeat.interval.ms=250", "-Dbind.mpj.heartbeat.timeout.ms=3000",
                "-Dbind.mpj.close.timeout.ms=10000"), MpjLostMidTransferMain.class.getName()), mpjHome, List.of(daemon));
            assertTrue(lostMid.output.contains("mpj-lost-mid rank 2 halting"), lostMid.output);
            for (int r = 0; r < 2; r++) {
                assertTrue(lostMid.output.contains("mpj-lost-mid rank " + r + " ok"),
                    "rank " + r + " did not see rank 2 lost, or hung:\n" + lostMid.output);
            }
            awaitNoRank(daemon, lostMid.output);
        } finally {
            stop(daemon);
        }
    }

    private static void assertFramesOk(Job job, int ranks) {
        int perSource = 3 * 9;
        for (int r = 0; r < ranks; r++) {
            assertTrue(job.output.contains("mpj-frames rank " + r + " ok frames=" + perSource * ranks + " landed="
                + (perSource + 1) / 2 * ranks),
                "rank " + r + " did not report its frames:\n" + job.output);
        }
        assertFalse(withoutStarterNoise(job.output).contains("Exception"), job.output);
    }

    private static void assertChunksOk(Job job, int ranks) {
        for (int r = 0; r < ranks; r++) {
            assertTrue(job.output.contains("mpj-chunks rank " + r + "/" + ranks
                + " ok chunk=4096 bytes=4097 doubles=1537"),
                "rank " + r + " did not report its versions:\n" + job.output);
        }
        assertFalse(withoutStarterNoise(job.output).contains("Exception"), job.output);
        assertFalse(job.output.contains("without MPI.Finalize"), job.output);
    }

    /**
     * Plain {@code mpjrun} (MPJ's starter, no Bind launcher) on niodev: the Aeron data plane without any JVM flag
     * (Bind opens what Agrona needs) and with the secret in a file; then jobs whose rank 1 fails before its first
     * {@code sync()}. Each job must end (no JVM left, the starter returns) and the other ranks must say why.
     */
    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void shouldEndAPlainMpjrunJobWhoseRankFailsBeforeItsFirstSync() throws Exception {
        Path mpjHome = MpjInstallation.mpjHome();
        for (int port : MPJ_PORTS) {
            assumeTrue(isFree(port), "port " + port + " (MPJ Express, see mpjexpress.conf) is busy: another MPJ daemon"
                + " or job uses this host; skipping the niodev test");
        }
        Files.writeString(dir.resolve("machines"), "localhost\n");
        Path secret = Files.createFile(dir.resolve("secret"), java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        Files.writeString(secret, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
        Process daemon = startDaemon(mpjHome);
        try {
            String starter = mpjHome.resolve("lib/starter.jar").toString();
            // a start-up allowance: on a busy machine Aeron's handshake can take over its default 10 s
            List<String> aeron = List.of("-Dbind.transport=mpj", "-Dbind.mpj.data=aeron", "-Dbind.secret.file=" + secret,
                "-Dbind.connect.timeout.ms=60000");
            Job ok = run(command(starter, 2, aeron, MAIN, "20000", "aeron-arg"), mpjHome, List.of(daemon));
            assertRanksSucceeded(ok.output, 2, "aeron-arg");
            awaitNoRank(daemon, ok.output);

            Job noSecret = run(command(starter, 2, List.of("-Dbind.transport=mpj", "-Dbind.mpj.data=aeron"), MAIN, "1",
                "x"), mpjHome, List.of(daemon));
            for (int r = 0; r < 2; r++) {
                assertTrue(noSecret.output.contains("bind: rank " + r + ": main has ended but MPJ was not finalized"),
                    noSecret.output);
            }
            assertTrue(noSecret.output.contains("needs the job's secret in a file"), noSecret.output);
            awaitNoRank(daemon, noSecret.output);

            Job inInit = run(command(starter, 2, aeron, EARLY, "in-init"), mpjHome, List.of(daemon));
            assertTrue(inInit.output.contains("rank 1 could not join the job over Aeron: bind.aeron.address="
                + "no-such-host.invalid does not resolve"), inInit.output);
            assertFalse(inInit.output.contains("sync returned"), inInit.output);
            awaitNoRank(daemon, inInit.output);

            // main throws between Bind.init and the first sync: its close() stops the job's transport, so the other
            // rank's next sync fails naming it, over either data plane (no heartbeat timeout, no hang)
            for (List<String> plane : List.of(aeron, List.of("-Dbind.transport=mpj"))) {
                Job afterInit = run(command(starter, 2, plane, EARLY, "after-init"), mpjHome, List.of(daemon));
                assertTrue(afterInit.output.contains("rank 1 fails after Bind.init"), afterInit.output);
                assertTrue(afterInit.output.contains("rank 1 closed its transport (ended) before the sync of epoch"),
                    afterInit.output);
                awaitNoRank(daemon, afterInit.output);
            }

            // mpjrun itself waits for every rank's registration in MPI.Init, forever: MPJ's, not Bind's, to fix; the
            // ranks must still end, and rank 0 say why
            Path log = dir.resolve("before-init.log");
            ProcessBuilder builder = new ProcessBuilder(command(starter, 2, List.of("-Dbind.transport=mpj",
                "-Dbind.mpj.join.timeout.ms=5000"), EARLY, "before-init")).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().put("MPJ_HOME", mpjHome.toString());
            builder.environment().remove("BIND_TRANSPORT");
            Process beforeInit = builder.start();
            try {
                long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(JOB_TIMEOUT_S);
                String said = "bind: rank 0: the MPJ job was not joined within 5000 ms";
                while (!Files.readString(log).contains(said)) {
                    assertTrue(System.nanoTime() < deadlineNs, "rank 0 did not give up joining:\n" + Files.readString(log));
                    Thread.sleep(100);
                }
                awaitNoRank(daemon, Files.readString(log));
                assertTrue(Files.readString(log).contains("rank 1 fails before Bind.init"), Files.readString(log));
            } finally {
                beforeInit.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }

        } finally {
            stop(daemon);
        }
    }

    private static final String EARLY = MpjEarlyFailureMain.class.getName();

    private static List<String> command(String starter, int ranks, List<String> flags, String main, String... args) {
        List<String> command = new ArrayList<>(List.of(java(), "-jar", starter, "-np", Integer.toString(ranks), "-dev",
            "niodev"));
        command.addAll(flags);
        // with Aeron (aeron-all holds Agrona too), for the data plane over Aeron
        String aeron = locationOf(io.aeron.Aeron.class);
        command.addAll(List.of("-cp", MpjInstallation.rankClasspath() + File.pathSeparator + aeron, main));
        command.addAll(List.of(args));
        return command;
    }

    private static String locationOf(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException("cannot locate " + type.getName(), e);
        }
    }

    /** Every rank JVM the daemon started has ended (they may take a moment after the starter returned). */
    private static void awaitNoRank(Process daemon, String output) throws InterruptedException {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (daemon.descendants().anyMatch(ProcessHandle::isAlive)) {
            assertTrue(System.nanoTime() < deadlineNs, () -> "rank JVMs outlive the job: " + daemon.descendants()
                .filter(ProcessHandle::isAlive).map(p -> p.pid() + " " + p.info().commandLine().orElse("")).toList()
                + "\n" + output);
            Thread.sleep(100);
        }
    }

    private static void assertRanksSucceeded(String output, int ranks, String arg) {
        for (int r = 0; r < ranks; r++) {
            assertTrue(output.contains("bind-mpj rank " + r + "/" + ranks + " ok max=" + (ranks - 1) + " b[0]=6 args=[20000, "
                + arg + "]"), "rank " + r + " did not report success:\n" + output);
            assertTrue(output.contains("bind-mpj rank " + r + " closed"), "rank " + r + " did not close:\n" + output);
        }
        assertFalse(withoutStarterNoise(output).contains("Exception"), output);
        assertFalse(output.contains("without MPI.Finalize"), output);
    }

    /**
     * Drops what MPJ's starter itself sometimes prints after every rank has ended (its I/O thread reads past the
     * daemon's last line): "EXIT@Ping#" and a NoSuchElementException in runtime.starter.IOMessagesThread.
     */
    private static String withoutStarterNoise(String output) {
        return output.replace("EXIT@Ping#", "")
            .replaceAll("java\\.util\\.NoSuchElementException: No line found\\R(\\s+at (java\\.base/java\\.util\\.Scanner|runtime\\.starter\\.IOMessagesThread)[^\\n]*\\R?)+", "");
    }

    private Process startDaemon(Path mpjHome) throws IOException, InterruptedException {
        List<String> jars = new ArrayList<>();
        try (Stream<Path> lib = Files.list(mpjHome.resolve("lib"))) {
            lib.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(p -> jars.add(p.toString()));
        }
        ProcessBuilder builder = new ProcessBuilder(java(), "-cp", String.join(File.pathSeparator, jars),
            "runtime.daemon.MPJDaemon", Integer.toString(DAEMON_PORT))
            .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("daemon.log").toFile());
        builder.environment().put("MPJ_HOME", mpjHome.toString());
        Process daemon = builder.start();
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        // the daemon is ready when its port is taken; binding (rather than connecting) does not disturb it
        while (isFree(DAEMON_PORT)) {
            if (!daemon.isAlive() || System.nanoTime() > deadlineNs) {
                stop(daemon);
                throw new IllegalStateException("MPJ daemon did not listen on " + DAEMON_PORT + ":\n"
                    + Files.readString(dir.resolve("daemon.log")));
            }
            daemon.waitFor(100, TimeUnit.MILLISECONDS);
        }
        return daemon;
    }

    private record Job(int exitCode, String output) {
    }

    /** Runs the starter; on a timeout makes every JVM of the job print its stacks, then kills them and fails. */
    private Job run(List<String> command, Path mpjHome, List<Process> helpers) throws IOException, InterruptedException {
        Path log = dir.resolve("job.log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
            .redirectOutput(log.toFile());
        builder.environment().put("MPJ_HOME", mpjHome.toString());
        builder.environment().remove("BIND_TRANSPORT");
        Process starter = builder.start();
        if (!starter.waitFor(JOB_TIMEOUT_S, TimeUnit.SECONDS)) {
            List<ProcessHandle> jvms = new ArrayList<>();
            starter.descendants().forEach(jvms::add);
            for (Process helper : helpers) {
                helper.descendants().forEach(jvms::add);
            }
            jvms.add(starter.toHandle());
            for (ProcessHandle jvm : jvms) {
                new ProcessBuilder("kill", "-QUIT", Long.toString(jvm.pid())).start().waitFor(5, TimeUnit.SECONDS);
            }
            starter.waitFor(3, TimeUnit.SECONDS);
            jvms.forEach(ProcessHandle::destroyForcibly);
            throw new AssertionError("MPJ job did not end within " + JOB_TIMEOUT_S + " s: " + command + "\n"
                + Files.readString(log, StandardCharsets.UTF_8));
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        System.out.println(output);
        return new Job(starter.exitValue(), output);
    }

    private static void stop(Process daemon) throws InterruptedException {
        List<ProcessHandle> children = daemon.descendants().toList();
        daemon.destroy();
        children.forEach(ProcessHandle::destroy);
        if (!daemon.waitFor(10, TimeUnit.SECONDS)) {
            daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        for (ProcessHandle child : children) {
            child.destroyForcibly();
            child.onExit().completeOnTimeout(child, 10, TimeUnit.SECONDS).join();
        }
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true); // a listener makes bind fail; TIME_WAIT leftovers do not
            socket.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException busy) {
            return false;
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
