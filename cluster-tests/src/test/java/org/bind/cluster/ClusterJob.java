package org.bind.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bind.mpi.aeron.AeronSettings;
import org.bind.mpi.launch.MpjLauncher;
import org.bind.mpi.launch.ProcessLauncher;

/**
 * One job of N rank processes, started by {@link ProcessLauncher} (what {@code bin/bindrun -np N} runs) on a thread
 * of this JVM, so that the rank JVMs are children of this one. Every output line is captured with its arrival time
 * ({@link Lines}), tagged {@code [rank k]}. Test programs announce themselves with {@link ProgramSupport#announce}:
 * {@link #ranks} reads those lines back (pid, job id, port), which is how a test finds a rank to signal and checks
 * what the job left behind.
 *
 * <p>A job that outlives its limit is made to print its stacks (SIGQUIT to every JVM below this one, the dumps
 * arrive in the captured output), then killed, and {@link #await} fails with everything captured.
 */
final class ClusterJob {
    /** Jobs of this JVM that have not ended: {@link DumpJobsOnTimeout} prints their output. */
    static final Set<ClusterJob> RUNNING = ConcurrentHashMap.newKeySet();
    private static final Pattern READY = Pattern.compile(
        "\\[rank (\\d+)] rank (\\d+) pid (\\d+) job ([0-9a-f]+) port (\\d+) ready");
    private static final Duration DUMP_WAIT = Duration.ofSeconds(3);

    /** A rank as it announced itself. */
    record RankInfo(int rank, long pid, String jobId, int port) {
    }

    final Lines out = new Lines();
    final Lines err = new Lines();
    private final List<String> arguments;
    private final CompletableFuture<Integer> status = new CompletableFuture<>();

    private ClusterJob(List<String> arguments) {
        this.arguments = List.copyOf(arguments);
    }

    /**
     * Makes the jobs started next put their ranks on UDP, each with its own media driver, as between hosts, instead
     * of the shared driver and IPC of same-host ranks: for the tests of what reaches a rank's UDP endpoint. The
     * launcher runs in this JVM and reads the switch ({@code bind.aeron.ipc}) as a job starts; returns the previous
     * value for {@link #restoreIpc(String)} once the job has ended.
     */
    static String useUdp() {
        return System.setProperty(RankLossTest.property(AeronSettings.IPC_ENV), "false");
    }

    /** Puts back the switch {@link #useUdp()} changed. */
    static void restoreIpc(String previous) {
        String ipc = RankLossTest.property(AeronSettings.IPC_ENV);
        if (previous == null) {
            System.clearProperty(ipc);
        } else {
            System.setProperty(ipc, previous);
        }
    }

    /**
     * Starts {@code main} on {@code ranks} processes with one worker each, output tagged by rank; {@code options}
     * go to the launcher before {@code -cp} ({@code -J-D...}, {@code --grace-ms}).
     */
    static ClusterJob start(int ranks, List<String> options, Class<?> main, String... args) {
        List<String> arguments = new ArrayList<>(List.of("-np", Integer.toString(ranks), "--transport", "aeron",
            "--tag-output", "--workers", "1"));
        return start(arguments, false, options, main, args);
    }

    /**
     * As {@link #start(int, List, Class, String...)}, with the ranks started by MPJ Express ({@link MpjLauncher}, what
     * {@code bin/bindrun --transport mpj} runs: a private daemon of the job, child of this JVM) and frames over MPJ;
     * {@code options} take the MPJ transport's flags ({@code -J-Dbind.mpj.heartbeat.timeout.ms=...}).
     */
    static ClusterJob startMpj(Path mpjHome, Path jobsDir, int ranks, List<String> options, Class<?> main,
                               String... args) {
        List<String> arguments = new ArrayList<>(List.of("-np", Integer.toString(ranks), "--mpj-home",
            mpjHome.toString(), "--data", "mpj", "--jobs-dir", jobsDir.toString(), "--tag-output", "--workers", "1"));
        return start(arguments, true, options, main, args);
    }

    private static ClusterJob start(List<String> arguments, boolean mpj, List<String> options, Class<?> main,
                                    String... args) {
        arguments.addAll(options);
        arguments.addAll(List.of("-cp", System.getProperty("java.class.path"), "--", main.getName()));
        arguments.addAll(List.of(args));
        ClusterJob job = new ClusterJob(arguments);
        RUNNING.add(job);
        Thread launcher = new Thread(() -> {
            try {
                String[] launch = arguments.toArray(String[]::new);
                job.status.complete(mpj ? MpjLauncher.run(launch, job.out.stream(), job.err.stream())
                    : ProcessLauncher.run(launch, job.out.stream(), job.err.stream()));
            } catch (Throwable t) {
                job.status.completeExceptionally(t);
            } finally {
                RUNNING.remove(job);
            }
        }, "cluster-job-" + main.getSimpleName());
        launcher.setDaemon(true);
        launcher.start();
        return job;
    }

    /**
     * The launcher's exit status. When the job has not ended within {@code limit}: dumps every rank's stacks, kills
     * the ranks and throws an {@link AssertionError} with the whole output.
     */
    int await(Duration limit) throws InterruptedException {
        try {
            return status.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            dumpAndKill();
            throw new AssertionError("job did not end within " + limit + " (rank stacks below)\n" + report());
        } catch (ExecutionException e) {
            throw new AssertionError("the launcher threw\n" + report(), e.getCause());
        }
    }

    /** Whether the launcher has returned. */
    boolean ended() {
        return status.isDone();
    }

    /** Makes every JVM below this one print its stacks (SIGQUIT), waits for the dumps, then kills them all. */
    static void dumpAndKill() throws InterruptedException {
        List<ProcessHandle> descendants = ProcessHandle.current().descendants().toList();
        for (ProcessHandle process : descendants) {
            signal("QUIT", process.pid());
        }
        Thread.sleep(DUMP_WAIT.toMillis());
        for (ProcessHandle process : descendants) {
            signal("CONT", process.pid());
            process.destroyForcibly();
        }
    }

    /** Sends {@code kill -NAME pid}; true when {@code kill} succeeded. */
    static boolean signal(String name, long pid) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run kill -" + name + " " + pid, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The ranks that have announced themselves so far, in announcement order. */
    List<RankInfo> ranks() {
        List<RankInfo> ranks = new ArrayList<>();
        for (Lines.Line line : out.lines()) {
            Matcher m = READY.matcher(line.text());
            if (m.find()) {
                ranks.add(new RankInfo(Integer.parseInt(m.group(2)), Long.parseLong(m.group(3)), m.group(4),
                    Integer.parseInt(m.group(5))));
            }
        }
        return ranks;
    }

    /** Waits until {@code count} ranks have announced themselves, by rank; null when they did not within {@code limit}. */
    List<RankInfo> awaitRanks(int count, Duration limit) throws InterruptedException {
        long deadlineNs = System.nanoTime() + limit.toNanos();
        while (!out.await(text -> READY.matcher(text).find(), count, Duration.ofMillis(200))) {
            if (System.nanoTime() > deadlineNs || ended()) {
                return null;
            }
        }
        List<RankInfo> ranks = ranks();
        ranks.sort((a, b) -> Integer.compare(a.rank(), b.rank()));
        return ranks;
    }

    /** The launcher's command line and everything the job printed, for assertion messages. */
    String report() {
        return "launcher arguments: " + String.join(" ", arguments.subList(0, arguments.indexOf("-cp")))
            + " -cp <test classpath> " + String.join(" ", arguments.subList(arguments.indexOf("--"), arguments.size()))
            + "\n--- stdout ---\n" + out.text() + "--- stderr ---\n" + err.text();
    }

    /**
     * Asserts that the job left nothing behind: no rank process alive, no child process of this JVM, no Aeron
     * directory of the job (in /dev/shm or the temporary directory), no rank's UDP port still bound.
     */
    static void assertNothingLeft(List<RankInfo> ranks, String context) throws InterruptedException {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> left = leftovers(ranks);
        while (!left.isEmpty() && System.nanoTime() < deadlineNs) {
            Thread.sleep(50);
            left = leftovers(ranks);
        }
        List<String> found = left;
        assertTrue(found.isEmpty(), () -> context + ": left behind: " + found);
    }

    private static List<String> leftovers(List<RankInfo> ranks) {
        List<String> left = new ArrayList<>();
        for (RankInfo rank : ranks) {
            ProcessHandle.of(rank.pid()).filter(ProcessHandle::isAlive)
                .ifPresent(p -> left.add("process of rank " + rank.rank() + " (pid " + rank.pid() + ")"));
            if (!udpPortFree(rank.port())) {
                left.add("UDP port " + rank.port() + " of rank " + rank.rank());
            }
        }
        ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
            .forEach(p -> left.add("child process " + p.pid() + " " + p.info().commandLine().orElse("")));
        ranks.stream().map(RankInfo::jobId).distinct().forEach(job -> {
            String prefix = AeronSettings.dirPrefix(Long.parseUnsignedLong(job, 16));
            for (String root : new String[] {"/dev/shm", System.getProperty("java.io.tmpdir")}) {
                File[] dirs = new File(root).listFiles((dir, name) -> name.startsWith(prefix));
                if (dirs != null) {
                    for (File dir : dirs) {
                        left.add("Aeron directory " + dir);
                    }
                }
            }
        });
        return left;
    }

    private static boolean udpPortFree(int port) {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
            return socket.isBound();
        } catch (SocketException e) {
            return false;
        }
    }
}
