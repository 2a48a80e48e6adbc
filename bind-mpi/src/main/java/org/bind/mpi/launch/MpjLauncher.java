package org.bind.mpi.launch;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

import org.bind.mpi.aeron.AeronSettings;
import org.bind.mpi.aeron.HostPlacement;

/**
 * Runs a job through MPJ Express's niodev device: one JVM per rank, started by MPJ daemons.
 * {@code MpjLauncher -np N --mpj-home DIR [--machines FILE] [--daemon-port P] [--data mpj|aeron] [--jobs-dir DIR]
 * [--workers W] [--tag-output] [--grace-ms MS] [--start-timeout-ms MS] [--time-limit DURATION] [-J<jvm flag>]...
 * -cp CP [--] Main [args]}.
 *
 * <p>Without {@code --machines} the ranks run on this host: the launcher starts a private MPJ daemon for the job
 * ({@link MpjDaemon}) and stops it afterwards. With {@code --machines FILE} (one host per line, as MPJ reads it) the
 * daemons must already run on those hosts ({@code mpjdaemon} in MPJ_HOME/bin), the class path and the job directory
 * must be visible at the same paths on every host (a shared file system), and the ranks listen on the address of
 * their host that the machines file names.
 *
 * <p>{@code --data mpj} (default) moves the runtime's frames over MPJ; {@code --data aeron} uses MPJ only to start
 * the job and exchange endpoints, and moves frames over Aeron UDP with the per-job secret; the launcher tells the ranks
 * where MPJ places them ({@link HostPlacement}), and the ranks of one host share a media driver and talk IPC
 * ({@code BIND_AERON_IPC=false}: not). The job directory has a
 * random name and is private to its owner; the secret and the job id are in files in it, so that neither is on a
 * command line other users can read. Every rank runs through {@link MpjRankMain}, which records how main ended in the
 * job's {@link StatusDirectory}: MPJ's starter itself reports success whatever the ranks did. The exit status is 1
 * when a rank failed; the {@link JobSupervisor} gives the other ranks the grace period (the heartbeat timeout plus
 * 3 s) to fail on their own, then stops the job, and ends a job that outlives {@code --time-limit} after every rank
 * printed its stacks (status {@value JobSupervisor#STATUS_TIME_LIMIT}). The job directory, the private daemon and the
 * ranks' Aeron directories on this host are removed at the end, also when the launcher itself is stopped; when it is
 * killed ({@code kill -9}), its {@link JobReaper} does it instead. Ranks on this host watch the launcher's process;
 * ranks on other hosts watch its heartbeat in the job directory ({@link LauncherBeat}).
 *
 * <p>(Over 400 lines: launching, supervising and cleaning up share one job's state: its directory, the private
 * daemon, MPJ's starter and the reaper. What both launchers share is in classes of its own: {@link LaunchOptions},
 * {@link RankCommand}, {@link OutputPump}, {@link JobSupervisor}.)
 */
public final class MpjLauncher {
    /** The MPJ transport's heartbeat timeout flag and default (MpjTransportSettings). */
    private static final String MPJ_HEARTBEAT_TIMEOUT_FLAG = "-Dbind.mpj.heartbeat.timeout.ms=";
    private static final long MPJ_HEARTBEAT_TIMEOUT_MS_DEFAULT = 10_000;
    /** MPJ's default daemon port (mpjexpress.conf). */
    public static final int DEFAULT_DAEMON_PORT = 40_055;
    /** How long the ranks may take to reach their main class (JVM start, MPJ's start-up). */
    public static final long DEFAULT_START_TIMEOUT_MS = 90_000;
    /** How long the ranks may take to print their stacks and exit once asked (they look every 200 ms). */
    private static final long STACK_DUMP_WAIT_MS = 10_000;
    /** Lines MPJ's starter prints about itself, dropped from the job's output. */
    private static final Pattern STARTER_LINE = Pattern.compile(
        "MPJ Express \\(.*\\) is started in the .*|Starting process <\\d+> on <.*>|Stopping Process <\\d+> on <.*>"
            + "|EXIT@Ping#|\\[MPJRun\\.java\\]:.*");
    /** A spurious exception MPJ's starter sometimes prints after the last rank ended (its output thread). */
    private static final String STARTER_NOISE = "java.util.NoSuchElementException: No line found";
    private static final Pattern STARTER_NOISE_FRAME =
        Pattern.compile("\\s+at (java\\.base/java\\.util\\.Scanner|runtime\\.starter\\.IOMessagesThread).*");
    private static final LaunchOptions TABLE = new LaunchOptions("MpjLauncher", LaunchOptions.PROGRAM, LaunchOptions.RANKS,
        LaunchOptions.MPJ_HOME, LaunchOptions.MACHINES, LaunchOptions.DAEMON_PORT, LaunchOptions.DATA,
        LaunchOptions.JOBS_DIR, LaunchOptions.WORKERS, LaunchOptions.TAG_OUTPUT, LaunchOptions.GRACE_MS,
        LaunchOptions.START_TIMEOUT_MS, LaunchOptions.TIME_LIMIT, LaunchOptions.CLASSPATH);

    /** Parsed command line. */
    record Options(int ranks, Path mpjHome, Path machines, int daemonPort, String data, Path jobsDir, int workers,
                   boolean tagOutput, long graceMs, long startTimeoutMs, long timeLimitMs, List<String> jvmFlags,
                   String classpath, String mainClass, List<String> programArgs) {
    }

    private final Options options;
    private final PrintStream out;
    private final PrintStream err;
    private final long jobId;
    private final OutputPump pump = new OutputPump();
    private final Thread cleanupHook = new Thread(this::cleanUp, "bind-mpj-launcher-cleanup");
    private Path jobDir;
    private volatile JobReaper reaper;
    private volatile Thread beat;
    private volatile MpjDaemon daemon;
    private volatile Process starter;

    MpjLauncher(Options options, PrintStream out, PrintStream err) {
        this.options = options;
        this.out = out;
        this.err = err;
        SecureRandom random = new SecureRandom();
        long id;
        do {
            id = random.nextLong();
        } while (id == 0);
        this.jobId = id;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the job described by {@code args}; returns the launcher's exit status (2: bad arguments). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Options options;
        try {
            options = parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            err.println("bindrun: " + e.getMessage());
            err.println(TABLE.usage());
            return 2;
        }
        return new MpjLauncher(options, out, err).launch();
    }

    static Options parse(String[] args, Map<String, String> environment) {
        LaunchOptions.Parsed parsed = TABLE.parse(args);
        int ranks = parsed.count(LaunchOptions.RANKS, Integer.MAX_VALUE, 0);
        int workers = parsed.count(LaunchOptions.WORKERS, 4096, 0);
        int daemonPort = parsed.count(LaunchOptions.DAEMON_PORT, 65_535, DEFAULT_DAEMON_PORT);
        long graceMs = parsed.count(LaunchOptions.GRACE_MS, Integer.MAX_VALUE, 0);
        long startTimeoutMs = parsed.count(LaunchOptions.START_TIMEOUT_MS, Integer.MAX_VALUE,
            (int) DEFAULT_START_TIMEOUT_MS);
        long timeLimitMs = parsed.durationMs(LaunchOptions.TIME_LIMIT);
        String data = parsed.get(LaunchOptions.DATA, "mpj");
        if (!data.equals("mpj") && !data.equals("aeron")) {
            throw new IllegalArgumentException("--data '" + data + "' must be mpj or aeron");
        }
        String mpjHome = parsed.get(LaunchOptions.MPJ_HOME, environment.get("MPJ_HOME"));
        if (mpjHome == null || mpjHome.isBlank()) {
            throw new IllegalArgumentException("MPJ Express's home is unknown: pass --mpj-home DIR or set MPJ_HOME"
                + " (bin/setup-mpj prints it)");
        }
        Path home = Path.of(mpjHome);
        if (!Files.isRegularFile(home.resolve("lib/starter.jar"))) {
            throw new IllegalArgumentException("MPJ home " + home + " has no lib/starter.jar (run bin/setup-mpj)");
        }
        Path machinesFile = null;
        if (parsed.has(LaunchOptions.MACHINES)) {
            machinesFile = Path.of(parsed.get(LaunchOptions.MACHINES, "")).toAbsolutePath();
            if (hosts(machinesFile).isEmpty()) {
                throw new IllegalArgumentException("machines file " + machinesFile + " lists no host");
            }
        }
        if (graceMs == 0) {
            graceMs = data.equals("aeron") ? ProcessLauncher.defaultGraceMs(parsed.jvmFlags())
                : mpjGraceMs(parsed.jvmFlags());
        }
        return new Options(ranks, home.toAbsolutePath(), machinesFile, daemonPort, data,
            Path.of(parsed.get(LaunchOptions.JOBS_DIR, System.getProperty("java.io.tmpdir"))), workers,
            parsed.has(LaunchOptions.TAG_OUTPUT), graceMs, startTimeoutMs, timeLimitMs, parsed.jvmFlags(),
            parsed.get(LaunchOptions.CLASSPATH, ""), parsed.mainClass(), parsed.programArgs());
    }

    /**
     * The MPJ transport's heartbeat timeout (the last {@value #MPJ_HEARTBEAT_TIMEOUT_FLAG} among the JVM flags, else
     * its default) plus 3 s: time for the survivors of a lost rank to notice and report it.
     */
    static long mpjGraceMs(List<String> jvmFlags) {
        long timeoutMs = MPJ_HEARTBEAT_TIMEOUT_MS_DEFAULT;
        for (String flag : jvmFlags) {
            if (flag.startsWith(MPJ_HEARTBEAT_TIMEOUT_FLAG) && flag.substring(MPJ_HEARTBEAT_TIMEOUT_FLAG.length())
                .matches("\\d{1,9}")) {
                timeoutMs = Long.parseLong(flag.substring(MPJ_HEARTBEAT_TIMEOUT_FLAG.length()));
            }
        }
        return timeoutMs + 3_000;
    }

    /** The hosts of a machines file: non-empty lines without {@code #} comments, trimmed. */
    static List<String> hosts(Path machines) {
        List<String> hosts = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(machines, StandardCharsets.UTF_8)) {
                String host = line.replaceFirst("#.*", "").trim();
                if (!host.isEmpty()) {
                    if (!host.matches("[A-Za-z0-9._:\\-\\[\\]]+")) {
                        throw new IllegalArgumentException("machines file " + machines + ": '" + host
                            + "' is not a host name or address");
                    }
                    hosts.add(host);
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the machines file " + machines + ": " + e.getMessage());
        }
        return hosts;
    }

    int launch() {
        Runtime.getRuntime().addShutdownHook(cleanupHook);
        try {
            // a random name, private to its owner (createTempDirectory makes it rwx------): not the job id
            JobReaper.sweep(options.jobsDir(), err);   // what launchers killed with their reapers left
            jobDir = Files.createTempDirectory(Files.createDirectories(options.jobsDir()), "bind-mpj-").toAbsolutePath();
            // first: from here on, what this launcher starts and writes is removed even if it is killed (kill -9)
            reaper = JobReaper.start(AeronSettings.dirPrefix(jobId), jobDir);
            JobReaper.markLauncher(jobDir, AeronSettings.dirPrefix(jobId));
            StatusDirectory status = new StatusDirectory(Files.createDirectory(jobDir.resolve(JobReaper.STATUS_DIR)));
            byte[] secretBytes = new byte[32];
            new SecureRandom().nextBytes(secretBytes);
            Path secret = privateFile("secret", HexFormat.of().formatHex(secretBytes));
            Path job = privateFile("job", Long.toHexString(jobId));
            Path home = options.mpjHome();
            Path machines = options.machines();
            int daemonPort = options.daemonPort();
            if (machines == null) {
                err.println(MpjDaemon.EXPOSURE_WARNING);
                daemon = MpjDaemon.start(options.mpjHome(), jobDir);
                reaper.watch(daemon.process().toHandle());
                home = daemon.home();
                daemonPort = daemon.port();
                machines = Files.writeString(jobDir.resolve("machines"), "localhost\n");
            }
            ProcessBuilder builder = new ProcessBuilder(starterCommand(home, machines, daemonPort, status.path(),
                secret, job)).directory(jobDir.toFile());
            builder.environment().put("MPJ_HOME", home.toString());
            beat = LauncherBeat.start(status.path(), LauncherBeat.PERIOD_MS);   // for ranks that cannot see this process
            starter = builder.start();
            reaper.watch(starter.toHandle());
            pump.forward(starter.getInputStream(), out, "", starterFilter(), "bind-mpj-launcher-output");
            pump.forward(starter.getErrorStream(), err, "", starterFilter(), "bind-mpj-launcher-errors");
            return supervise(status);
        } catch (IOException | UncheckedIOException | IllegalStateException e) {
            err.println("bindrun: cannot start the MPJ Express job: " + e.getMessage());
            return 1;
        } finally {
            cleanUp();
            pump.drain(JobSupervisor.DESTROY_WAIT_MS);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanupHook);
            } catch (IllegalStateException e) {
                // already exiting: the hook does the same clean-up
            }
        }
    }

    /** Writes {@code text} to a new file of the job directory readable by its owner only. */
    private Path privateFile(String name, String text) throws IOException {
        return Files.writeString(Files.createFile(jobDir.resolve(name), PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString("rw-------"))), text);
    }

    private List<String> starterCommand(Path home, Path machines, int daemonPort, Path statusDir, Path secret,
                                        Path job) {
        List<String> starterCall = List.of(RankCommand.javaBinary(), "-jar", home.resolve("lib/starter.jar").toString(),
            "-np", Integer.toString(options.ranks()), "-dev", "niodev", "-dport", Integer.toString(daemonPort),
            "-machinesfile", machines.toString());
        RankCommand command = new RankCommand(starterCall, true, options.jvmFlags(), options.workers(), true)
            .property("bind.transport", "mpj")
            .property("bind.mpj.data", options.data())
            .property("bind.job.file", job.toString())
            .property("bind.secret.file", secret.toString());
        List<String> hosts = options.machines() != null ? hosts(options.machines()) : List.of("localhost");
        command.property("bind.aeron.hosts", String.join(",", hosts));
        if (options.data().equals("aeron") && AeronSettings.ipcWanted(System.getenv())) {
            // ranks placed on one host share its media driver and talk IPC (BIND_AERON_IPC=false: UDP only)
            command.property(HostPlacement.PROP_NAME, HostPlacement.mpjBlocks(hosts, options.ranks()).text());
        }
        command.property(MpjRankMain.STATUS_DIR_PROP_NAME, statusDir.toString());
        String host = LaunchOptions.localHostName();
        if (!host.isEmpty()) {
            command.property(MpjRankMain.LAUNCHER_PID_PROP_NAME, Long.toString(ProcessHandle.current().pid()));
            command.property(MpjRankMain.LAUNCHER_HOST_PROP_NAME, host);
        }
        if (options.tagOutput()) {
            command.property(MpjRankMain.TAG_PROP_NAME, "true");
        }
        return command.build(options.classpath(), true, options.mainClass(), options.programArgs());
    }

    /** Drops the starter's own progress lines and a spurious exception it prints at the end. */
    private static UnaryOperator<String> starterFilter() {
        boolean[] inNoise = {false};
        return line -> {
            String text = line.replace("EXIT@Ping#", "");
            if (inNoise[0] && STARTER_NOISE_FRAME.matcher(text).matches()) {
                return null;
            }
            inNoise[0] = text.equals(STARTER_NOISE);
            return inNoise[0] || STARTER_LINE.matcher(text).matches() || (text.isEmpty() && !line.isEmpty()) ? null : text;
        };
    }

    /** Supervises the job to its end; returns the job's status. */
    private int supervise(StatusDirectory status) {
        MpjJob job = new MpjJob(status);
        JobSupervisor.Outcome outcome = new JobSupervisor(err, options.graceMs(), options.timeLimitMs(),
            STACK_DUMP_WAIT_MS).supervise(job);
        pump.drain(JobSupervisor.DESTROY_WAIT_MS);
        if (outcome == JobSupervisor.Outcome.OUTLIVED) {
            return JobSupervisor.STATUS_TIME_LIMIT;
        }
        if (outcome == JobSupervisor.Outcome.INTERRUPTED || job.startTimedOut || !status.statuses(true).isEmpty()) {
            return 1;
        }
        Map<Integer, String> all = status.statuses(false);
        List<Integer> missing = new ArrayList<>();
        for (int r = 0; r < options.ranks(); r++) {
            if (!all.containsKey(r)) {
                missing.add(r);
            }
        }
        if (missing.size() == options.ranks()) {
            err.println("bindrun: no rank recorded how it ended in " + status.path() + ": the ranks did not start (see the"
                + " output above)" + (options.machines() == null ? "" : ", or that directory is not on a file system"
                + " every host shares"));
            return 1;
        }
        if (!missing.isEmpty()) {
            err.println("bindrun: rank(s) " + missing + " ended without returning from main (killed, crashed or"
                + " System.exit)");
            return 1;
        }
        int exit = starter.exitValue();
        if (exit != 0) {
            err.println("bindrun: MPJ's starter exited with status " + exit);
        }
        return exit;
    }

    /** The job as the supervisor sees it: MPJ's starter, the status directory, and the private daemon's children. */
    private final class MpjJob implements JobSupervisor.Job {
        private final StatusDirectory status;
        private final long startDeadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(options.startTimeoutMs());
        /** The private daemon's children seen so far: the ranks' JVMs. */
        private final Map<Long, ProcessHandle> rankJvms = new HashMap<>();
        private boolean started;
        boolean startTimedOut;

        MpjJob(StatusDirectory status) {
            this.status = status;
        }

        @Override
        public boolean awaitEnd(long timeoutMs) throws InterruptedException {
            return starter.waitFor(timeoutMs, TimeUnit.MILLISECONDS);
        }

        @Override
        public JobSupervisor.Failure failure() {
            if (!started) {
                int count = status.startedRanks();
                started = count == options.ranks();
                if (!started && System.nanoTime() - startDeadlineNs > 0) {
                    startTimedOut = true;
                    return new JobSupervisor.Failure(count + " of " + options.ranks() + " ranks started within "
                        + options.startTimeoutMs() + " ms (see the output above)", true);
                }
            }
            Map<Integer, String> failed = status.statuses(true);
            if (!failed.isEmpty()) {
                Map.Entry<Integer, String> first = failed.entrySet().iterator().next();
                return new JobSupervisor.Failure("rank " + first.getKey() + " failed (" + first.getValue() + ")", false);
            }
            String vanished = vanishedRank();
            return vanished == null ? null : new JobSupervisor.Failure(vanished, false);
        }

        /**
         * On this host, the private daemon's children are the ranks' JVMs: one that ended while fewer ranks recorded
         * a status failed to start, was killed, or called System.exit. Returns that failure, or null.
         */
        private String vanishedRank() {
            MpjDaemon local = daemon;
            if (local == null) {
                return null;
            }
            local.process().children().forEach(child -> rankJvms.putIfAbsent(child.pid(), child));
            long ended = rankJvms.values().stream().filter(jvm -> !jvm.isAlive()).count();
            if (ended == 0) {
                return null;
            }
            return ended > status.statuses(false).size() ? "a rank's JVM ended without recording how main ended (it"
                + " did not start, was killed, or called System.exit)" : null;
        }

        @Override
        public void dumpStacks() {
            status.requestStacks();
        }

        @Override
        public void stop() {
            stopJob();
        }
    }

    /** Stops the ranks: this host's private daemon's children, and the starter (MPJ daemons then end theirs). */
    private void stopJob() {
        List<ProcessHandle> handles = new ArrayList<>();
        MpjDaemon local = daemon;
        if (local != null) {
            local.process().children().forEach(handles::add);
        }
        Process job = starter;
        if (job != null) {
            handles.add(job.toHandle());
        }
        JobSupervisor.destroy(handles);
    }

    /** Stops the job and the private daemon, removes the job directory and this host's Aeron directories. */
    private synchronized void cleanUp() {
        Process job = starter;
        if (job != null && job.isAlive()) {
            stopJob();
        }
        MpjDaemon local = daemon;
        if (local != null) {
            local.stop();
            daemon = null;
        }
        Thread beating = beat;
        if (beating != null) {
            beating.interrupt();
            try {
                beating.join(JobSupervisor.DESTROY_WAIT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        ProcessLauncher.removeAeronDirectories(jobId);
        if (jobDir != null && !StatusDirectory.deleteTree(jobDir)) {
            err.println("bindrun: could not remove the job directory " + jobDir);
        }
        JobReaper ending = reaper;
        if (ending != null) {
            ending.close();   // after the clean-up above: the reaper finds nothing left and ends
        }
    }
}
