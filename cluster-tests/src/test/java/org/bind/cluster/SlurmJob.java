package org.bind.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.bind.mpi.launch.ProcessLauncher;
import org.bind.mpi.slurm.SlurmTransportFactory;

/**
 * One job of N ranks started by {@code srun -n N} on the single-node Slurm cluster that {@code bin/setup-slurm}
 * starts: each task runs the program's JVM with {@code BIND_TRANSPORT=slurm} (what {@code srun -n N bin/bindrun}
 * runs), so the ranks are Slurm's tasks, not children of this JVM. Output is labelled by srun and captured tagged
 * {@code [rank k]} as {@link ClusterJob} does; the ranks' rendezvous and Aeron directories are private to the job
 * ({@code dir}), so that a test can check that nothing is left there.
 *
 * <p>A job that outlives its limit is made to print its stacks ({@code scancel --signal=QUIT}), then cancelled, and
 * {@link #await} fails with everything captured; Slurm's own time limit ({@value #TIME_LIMIT_MIN} min) backs that.
 */
final class SlurmJob {
    /** Jobs of this JVM that have not ended. */
    static final Set<SlurmJob> RUNNING = ConcurrentHashMap.newKeySet();
    private static final Pattern LABEL = Pattern.compile("^\\s*(\\d+): (.*)$");
    private static final Pattern READY = Pattern.compile(
        "\\[rank (\\d+)] rank (\\d+) pid (\\d+) job ([0-9a-f]+) port (\\d+) ready");
    private static final int TIME_LIMIT_MIN = 5;
    private static String unavailable;
    private static boolean checked;

    final Lines out = new Lines();
    final Lines err = new Lines();
    private final String name;
    private final List<String> command;
    private final Path dir;
    private final Path aeronDir;
    private final Process srun;
    private final List<Thread> pumps = new ArrayList<>();

    private SlurmJob(String name, List<String> command, Path dir, Path aeronDir, Process srun) {
        this.name = name;
        this.command = command;
        this.dir = dir;
        this.aeronDir = aeronDir;
        this.srun = srun;
    }

    /**
     * Why Slurm cannot run jobs here (null: it can). Runs {@code bin/setup-slurm} once, which installs and starts a
     * single-node cluster when it can (root or password-less sudo, Debian packages reachable).
     */
    static synchronized String unavailable() throws IOException, InterruptedException {
        if (!checked) {
            checked = true;
            Path setup = MpjHome.projectRoot().resolve("bin/setup-slurm");
            Process process = new ProcessBuilder(setup.toString()).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(600, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                unavailable = setup + " did not finish within 600 s:\n" + output;
            } else if (process.exitValue() != 0) {
                unavailable = setup + " failed (status " + process.exitValue() + "):\n" + output;
            }
        }
        return unavailable;
    }

    /**
     * Starts {@code main} as {@code srun -n ranks} tasks, one worker each; {@code env} is added to the tasks'
     * environment (srun passes this one on), {@code dir} holds their rendezvous and Aeron directories.
     */
    static SlurmJob start(int ranks, Map<String, String> env, Path dir, Class<?> main, String... args)
        throws IOException {
        return start(ranks, TIME_LIMIT_MIN, env, dir, taskCommand(main, args));
    }

    /**
     * Starts {@code task} (a task's whole command, e.g. {@code bin/bindrun ...}) as {@code srun -n ranks --time
     * timeLimitMin} tasks; {@code env} and {@code dir} as above.
     */
    static SlurmJob start(int ranks, int timeLimitMin, Map<String, String> env, Path dir, List<String> task)
        throws IOException {
        String name = "bind-test-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
        List<String> command = new ArrayList<>(List.of("srun", "-n", Integer.toString(ranks), "--overcommit", "--label",
            "--job-name", name, "--time", Integer.toString(timeLimitMin), "--kill-on-bad-exit=0"));
        command.addAll(task);
        Path aeron = aeronDir(dir, name);
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        builder.environment().putAll(taskEnvironment(dir, aeron));
        builder.environment().putAll(env);
        SlurmJob job = new SlurmJob(name, command, dir, aeron, builder.start());
        RUNNING.add(job);
        job.pump(job.srun.getInputStream(), job.out.stream());
        job.pump(job.srun.getErrorStream(), job.err.stream());
        return job;
    }

    /**
     * Runs {@code main} as the {@code srun --label} line of an {@code sbatch --wait} script of {@code ranks} tasks;
     * returns sbatch's status and the script's output, labels turned into {@code [rank k]}. Past {@code limit} the
     * job is cancelled and the run fails with what it printed.
     */
    static ChildJob.Result batch(int ranks, Path dir, Duration limit, Class<?> main, String... args)
        throws IOException, InterruptedException {
        String name = "bind-test-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
        StringBuilder script = new StringBuilder("#!/bin/bash\nsrun --label");
        for (String word : taskCommand(main, args)) {
            script.append(" '").append(word.replace("'", "'\\''")).append('\'');
        }
        Path file = Files.writeString(dir.resolve(name + ".sbatch"), script.append('\n').toString());
        Path output = dir.resolve(name + ".out");
        Path aeron = aeronDir(dir, name);
        ProcessBuilder builder = new ProcessBuilder("sbatch", "--wait", "--quiet", "--job-name", name, "--ntasks",
            Integer.toString(ranks), "--overcommit", "--time", Integer.toString(TIME_LIMIT_MIN), "--output",
            output.toString(), file.toString()).directory(dir.toFile()).redirectErrorStream(true)
            .redirectOutput(dir.resolve(name + ".sbatch.log").toFile());
        builder.environment().putAll(taskEnvironment(dir, aeron));
        Process sbatch = builder.start();
        try {
            boolean ended = sbatch.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
            String text = (Files.exists(output) ? Files.readString(output) : "") + "--- sbatch ---\n"
                + Files.readString(dir.resolve(name + ".sbatch.log"));
            StringBuilder tagged = new StringBuilder();
            for (String line : text.split("\n", -1)) {
                Matcher m = LABEL.matcher(line);
                tagged.append(m.matches() ? "[rank " + m.group(1) + "] " + m.group(2) : line).append('\n');
            }
            if (!ended) {
                new ProcessBuilder("scancel", "--name", name).start().waitFor(10, TimeUnit.SECONDS);
                sbatch.destroyForcibly();
                throw new AssertionError("sbatch job did not end within " + limit + ":\n" + tagged);
            }
            List<String> left = new ArrayList<>();
            for (Path root : new Path[] {dir.resolve("rendezvous"), aeron}) {
                if (Files.isDirectory(root)) {
                    try (Stream<Path> entries = Files.list(root)) {
                        entries.forEach(p -> left.add(p.toString()));
                    }
                }
            }
            assertTrue(left.isEmpty(), () -> "the sbatch job left " + left + "\n" + tagged);
            return new ChildJob.Result(sbatch.exitValue(), tagged.toString());
        } finally {
            removeRecursively(aeron);
        }
    }

    /** The JVM command of a task: the test class path, bind-core as agent, Aeron's flags, one worker. */
    private static List<String> taskCommand(Class<?> main, String... args) {
        List<String> command = new ArrayList<>(List.of(ChildJob.java(), "-javaagent:" + agentJar()));
        command.addAll(ProcessLauncher.AERON_JVM_FLAGS);
        command.addAll(List.of("-Dnet.bytebuddy.safe=true", "-Dbind.workers=1", "-cp",
            System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return command;
    }

    /** What srun or sbatch passes on to the tasks: the Slurm transport, the job's rendezvous and Aeron roots. */
    private static Map<String, String> taskEnvironment(Path dir, Path aeron) {
        return Map.of("BIND_TRANSPORT", SlurmTransportFactory.NAME,
            SlurmTransportFactory.DIR_ENV, dir.resolve("rendezvous").toString(),
            "BIND_AERON_DIR", aeron.toString());
    }

    /** The ranks' Aeron root: in memory as by default (/dev/shm), but a directory of this job only. */
    private static Path aeronDir(Path dir, String name) throws IOException {
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) ? Files.createTempDirectory(shm, name + "-")
            : Files.createDirectories(dir.resolve("aeron-" + name));
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

    /** Removes this job's Aeron directory in /dev/shm with whatever it holds (after the checks, pass or fail). */
    void removeAeronDir() throws IOException {
        removeRecursively(aeronDir);
    }

    /** bind-core's jar on the test class path, else Byte Buddy's agent jar: the tasks' {@code -javaagent}. */
    private static String agentJar() {
        String fallback = null;
        for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            String file = new File(entry).getName();
            if (file.startsWith("bind-core") && file.endsWith(".jar")) {
                return entry;
            }
            if (file.startsWith("byte-buddy-agent") && file.endsWith(".jar")) {
                fallback = entry;
            }
        }
        if (fallback == null) {
            throw new IllegalStateException("neither bind-core's jar nor byte-buddy-agent is on the test class path");
        }
        return fallback;
    }

    /** srun's exit status; past {@code limit}: the tasks' stacks, then cancelled, and an {@link AssertionError}. */
    int await(Duration limit) throws InterruptedException {
        try {
            if (!srun.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                dumpAndCancel();
                throw new AssertionError("job did not end within " + limit + " (task stacks below)\n" + report());
            }
            for (Thread pump : pumps) {
                pump.join(5_000);
            }
            return srun.exitValue();
        } finally {
            RUNNING.remove(this);
        }
    }

    boolean ended() {
        return !srun.isAlive();
    }

    /** Makes every task print its stacks (SIGQUIT through Slurm), waits for them, then cancels the job. */
    void dumpAndCancel() throws InterruptedException {
        scancel("--signal=QUIT");
        Thread.sleep(3_000);
        scancel();
        srun.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    /** Cancels the job as its time limit does: SIGTERM to every task, SIGKILL {@code KillWait} seconds later. */
    void cancel() throws InterruptedException {
        scancel();
    }

    private void scancel(String... options) throws InterruptedException {
        List<String> command = new ArrayList<>(List.of("scancel", "--name", name));
        command.addAll(List.of(options));
        try {
            new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            System.err.println("cannot run " + command + ": " + e);
        }
    }

    /** Waits until {@code count} ranks have announced themselves, by rank; null when they did not within limit. */
    List<ClusterJob.RankInfo> awaitRanks(int count, Duration limit) throws InterruptedException {
        long deadlineNs = System.nanoTime() + limit.toNanos();
        while (!out.await(text -> READY.matcher(text).find(), count, Duration.ofMillis(200))) {
            if (System.nanoTime() > deadlineNs || ended()) {
                return null;
            }
        }
        List<ClusterJob.RankInfo> ranks = new ArrayList<>();
        for (Lines.Line line : out.lines()) {
            Matcher m = READY.matcher(line.text());
            if (m.find()) {
                ranks.add(new ClusterJob.RankInfo(Integer.parseInt(m.group(2)), Long.parseLong(m.group(3)), m.group(4),
                    Integer.parseInt(m.group(5))));
            }
        }
        ranks.sort((a, b) -> Integer.compare(a.rank(), b.rank()));
        return ranks;
    }

    /** The command and everything the job printed, for assertion messages. */
    String report() {
        String shown = String.join(" ", command).replace(System.getProperty("java.class.path"), "<test classpath>");
        return "command: " + shown
            + "\n--- stdout ---\n" + out.text() + "--- stderr ---\n" + err.text();
    }

    /**
     * Asserts that the job left nothing: no task of {@code ranks} alive, no file in its rendezvous directory, no
     * Aeron directory (a rank killed by SIGKILL cannot remove its own: the survivors on its node do).
     */
    void assertNothingLeft(List<ClusterJob.RankInfo> ranks, String context) throws InterruptedException {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> left = leftovers(ranks);
        while (!left.isEmpty() && System.nanoTime() < deadlineNs) {
            Thread.sleep(50);
            left = leftovers(ranks);
        }
        List<String> found = left;
        assertTrue(found.isEmpty(), () -> context + ": left behind: " + found + "\n" + report());

    }

    private List<String> leftovers(List<ClusterJob.RankInfo> ranks) {
        List<String> left = new ArrayList<>();
        for (ClusterJob.RankInfo rank : ranks) {
            ProcessHandle.of(rank.pid()).filter(ProcessHandle::isAlive)
                .ifPresent(p -> left.add("task of rank " + rank.rank() + " (pid " + rank.pid() + ")"));
        }
        for (Path root : new Path[] {dir.resolve("rendezvous"), aeronDir}) {
            if (Files.isDirectory(root)) {
                try (Stream<Path> entries = Files.list(root)) {
                    entries.forEach(p -> left.add(p.toString()));
                } catch (IOException e) {
                    left.add("cannot list " + root + ": " + e);
                }
            }
        }
        return left;
    }

    private void pump(InputStream stream, PrintStream target) {
        Thread pump = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    Matcher m = LABEL.matcher(line);
                    target.println(m.matches() ? "[rank " + m.group(1) + "] " + m.group(2) : line);
                }
            } catch (IOException e) {
                // srun's pipe closed
            }
        }, "slurm-job-output");
        pump.setDaemon(true);
        pumps.add(pump);
        pump.start();
    }
}
