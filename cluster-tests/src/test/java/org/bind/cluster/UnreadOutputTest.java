package org.bind.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rank whose standard error nobody reads, as on a node cut off from the network through which its output leaves
 * (its MPJ daemon or {@code slurmstepd} forwards it): the rank must still end by itself after a loss. Three Slurm
 * tasks of one step, started by this test as {@code srun} would start them ({@code bin/bindrun} with the step's
 * {@code SLURM_*} variables, {@link UnreadOutputProgram}): ranks 0 and 2 have their output read, rank 1's pipes are
 * never read. Rank 1 first writes far more to its standard error than a pipe holds, then rank 2 is killed
 * (SIGKILL); rank 1 must end, with status 1, within {@link #LIMIT_MS} of the kill, and rank 0 must report "rank 2
 * lost".
 *
 * <p>{@link #LIMIT_MS}: rank 1 notices the loss within the heartbeat timeout (2 s) plus one heartbeat interval
 * (0.5 s), or hears of it from rank 0; its closing sync then waits at most 5 s for a peer's last word (bind-core's
 * {@code EpochSync.FINAL_WORD_WAIT_MS}); then it exits, which {@code bin/bindrun}'s rank main bounds by the exit
 * deadline ({@code bind.launch.exit.deadline.ms}, 5 s); 5 s more for a loaded 2-core machine (three JVMs and other
 * builds on it). Before the rank's output went through a bounded forwarder, rank 1 never ended: its thread reporting
 * the loss waited for the stream's lock, held by a thread blocked writing to the full pipe.
 */
@Tag("cluster")
@ExtendWith(DumpJobsOnTimeout.class)
class UnreadOutputTest {
    static final int RANKS = 3;
    static final int FLOODER = 1;
    static final int VICTIM = 2;
    static final long HEARTBEAT_MS = 500;
    static final long HEARTBEAT_TIMEOUT_MS = 2_000;
    static final long EXIT_DEADLINE_MS = 5_000;
    static final long FINAL_WORD_WAIT_MS = 5_000;
    static final long LIMIT_MS = HEARTBEAT_TIMEOUT_MS + HEARTBEAT_MS + FINAL_WORD_WAIT_MS + EXIT_DEADLINE_MS + 5_000;
    static final Duration START_LIMIT = Duration.ofSeconds(150);

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void shouldEndARankWhoseStandardErrorIsNotReadAfterALoss() throws Exception {
        run("system");
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void shouldHaltARankWhoseExitWaitsForABlockedWriteAfterALoss() throws Exception {
        run("raw");
    }

    private void run(String mode) throws Exception {
        Path aeron = Files.createTempDirectory(Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm") : dir,
            "bind-unread-");
        long jobId = ThreadLocalRandom.current().nextLong(1, 1L << 40);
        List<Process> ranks = new ArrayList<>();
        Lines[] read = new Lines[RANKS];
        try {
            for (int rank = 0; rank < RANKS; rank++) {
                ProcessBuilder builder = new ProcessBuilder(command(mode)).directory(dir.toFile());
                Map<String, String> env = builder.environment();
                env.keySet().removeIf(name -> name.startsWith("SLURM"));
                env.putAll(taskEnvironment(rank, jobId, aeron));
                if (rank != FLOODER) {
                    builder.redirectErrorStream(true);
                }
                Process process = builder.start();
                ranks.add(process);
                if (rank != FLOODER) {   // the flooder's pipes stay open and are never read
                    read[rank] = new Lines();
                    pump(process, read[rank], rank);
                }
            }
            Process flooder = ranks.get(FLOODER);
            for (int rank = 0; rank < RANKS; rank++) {
                if (read[rank] != null) {
                    int r = rank;
                    assertTrue(read[rank].await(l -> l.endsWith(" ready"), 1, START_LIMIT), () -> "rank " + r
                        + " did not start\n" + report(read, ranks));
                }
            }
            awaitFlooded(mode, flooder, read, ranks);
            long killNs = System.nanoTime();
            ranks.get(VICTIM).destroyForcibly();
            boolean ended = flooder.waitFor(LIMIT_MS, TimeUnit.MILLISECONDS);
            long endedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killNs);
            if (!ended) {
                String threads = threadDump(flooder.pid());
                throw new AssertionError("rank " + FLOODER + " (unread standard error, " + mode + ") still runs "
                    + endedMs + " ms after rank " + VICTIM + " was killed; its threads:\n" + threads + "\n"
                    + report(read, ranks));
            }
            assertEquals(1, flooder.exitValue(), () -> "rank " + FLOODER + " ended with status "
                + flooder.exitValue() + "\n" + report(read, ranks));
            Process rank0 = ranks.get(0);
            assertTrue(rank0.waitFor(LIMIT_MS, TimeUnit.MILLISECONDS), () -> "rank 0 still runs\n"
                + report(read, ranks));
            assertTrue(read[0].await(l -> l.contains("rank " + VICTIM + " lost"), 1, Duration.ofSeconds(10)),
                () -> "rank 0 did not report rank " + VICTIM + " lost\n" + report(read, ranks));
            assertEquals(1, rank0.exitValue(), () -> report(read, ranks));
            System.out.printf("UnreadOutputTest %s: rank %d (standard error unread) ended %d ms after rank %d was"
                + " killed, status %d%n", mode, FLOODER, endedMs, VICTIM, flooder.exitValue());
        } finally {
            for (Process process : ranks) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
            removeRecursively(aeron);
        }
    }

    /**
     * Waits until rank {@link #FLOODER} has written 1 MiB to its unread standard error ({@code system}), or until its
     * thread {@code flood} blocks writing to the full pipe ({@code raw}).
     */
    private void awaitFlooded(String mode, Process flooder, Lines[] read, List<Process> ranks) throws Exception {
        long deadlineNs = System.nanoTime() + START_LIMIT.toNanos();
        Path flooded = dir.resolve("flooded");
        while (!Files.exists(flooded) || (mode.equals("raw") && !floodBlocked(flooder.pid()))) {
            if (System.nanoTime() > deadlineNs || !flooder.isAlive()) {
                throw new AssertionError("rank " + FLOODER + " did not " + (mode.equals("raw") ? "block writing to"
                    : "write 1 MiB to") + " its unread standard error within " + START_LIMIT + " (alive: "
                    + flooder.isAlive() + "); its threads:\n" + threadDump(flooder.pid()) + "\n" + report(read, ranks));
            }
            Thread.sleep(100);   // polls a condition of another process
        }
    }

    /** Whether a thread named {@code flood} of process {@code pid} waits in the kernel's pipe write. */
    private static boolean floodBlocked(long pid) throws IOException {
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        try (Stream<Path> all = Files.list(tasks)) {
            for (Path task : all.toList()) {
                try {
                    if (Files.readString(task.resolve("comm")).strip().equals("flood")
                        && Files.readString(task.resolve("wchan")).contains("pipe")) {
                        return true;
                    }
                } catch (IOException e) {
                    // the thread ended
                }
            }
        }
        return false;
    }

    private List<String> command(String mode) throws Exception {
        return List.of(MpjHome.projectRoot().resolve("bin/bindrun").toString(), "--workers", "1",
            "-J-Dbind.heartbeat.ms=" + HEARTBEAT_MS, "-J-Dbind.heartbeat.timeout.ms=" + HEARTBEAT_TIMEOUT_MS,
            "-J-Dbind.launch.exit.deadline.ms=" + EXIT_DEADLINE_MS, "-J-Dbind.window.ops=16",
            "-cp", ContainerFaultTest.testClasses(), UnreadOutputProgram.class.getName(), dir.toString(),
            Integer.toString(FLOODER), mode, "240");
    }

    /** What {@code slurmstepd} gives task {@code rank} of a 3-task step on one node, and the job's own roots. */
    private Map<String, String> taskEnvironment(int rank, long jobId, Path aeron) {
        Map<String, String> env = new HashMap<>();
        env.put("SLURM_PROCID", Integer.toString(rank));
        env.put("SLURM_STEP_NUM_TASKS", Integer.toString(RANKS));
        env.put("SLURM_NTASKS", Integer.toString(RANKS));
        env.put("SLURM_JOB_ID", Long.toString(jobId));
        env.put("SLURM_STEP_ID", "0");
        env.put("SLURM_STEP_NUM_NODES", "1");
        env.put("BIND_SLURM_DIR", dir.resolve("rendezvous").toString());
        env.put("BIND_AERON_DIR", aeron.toString());
        env.put("BIND_BUILD", "never");
        return env;
    }

    private static void pump(Process process, Lines lines, int rank) {
        Thread pump = new Thread(() -> {
            try {
                process.getInputStream().transferTo(lines);
            } catch (IOException e) {
                // the rank ended
            }
        }, "unread-output-pump-" + rank);
        pump.setDaemon(true);
        pump.start();
    }

    /** The threads of {@code pid} by {@code jcmd Thread.print}, which does not use the process's own output. */
    private static String threadDump(long pid) {
        try {
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            Process dump = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "Thread.print")
                .redirectErrorStream(true).start();
            String text = new String(dump.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            dump.waitFor(30, TimeUnit.SECONDS);
            return text;
        } catch (IOException | InterruptedException e) {
            return "(no thread dump: " + e + ")";
        }
    }

    private static String report(Lines[] read, List<Process> ranks) {
        StringBuilder report = new StringBuilder();
        for (int rank = 0; rank < read.length; rank++) {
            report.append("--- rank ").append(rank);
            if (rank < ranks.size()) {
                report.append(ranks.get(rank).isAlive() ? " (running)" : " (status " + ranks.get(rank).exitValue() + ")");
            }
            report.append(" ---\n").append(read[rank] == null ? "(not read)\n" : read[rank].text());
        }
        return report.toString();
    }

    private static void removeRecursively(Path root) throws IOException {
        if (Files.isDirectory(root)) {
            try (Stream<Path> all = Files.walk(root)) {
                for (Path path : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }
}
