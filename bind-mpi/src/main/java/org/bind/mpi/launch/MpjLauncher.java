package org.bind.mpi.launch;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.bind.Bind;

/**
 * Runs a job through MPJ Express's niodev device: one JVM per rank, started by MPJ daemons.
 * {@code MpjLauncher -np N --mpj-home DIR [--machines FILE] [--daemon-port P] [--data mpj|aeron] [--jobs-dir DIR]
 * [--workers W] [--tag-output] [--grace-ms MS] [--start-timeout-ms MS] [-J<jvm flag>]... -cp CP [--] Main
 * [args]}.
 *
 * <p>Without {@code --machines} the ranks run on this host: the launcher starts a private MPJ daemon for the job,
 * with ports of its own (a copy of MPJ's configuration in the job directory), and stops it afterwards. With
 * {@code --machines FILE} (one host per line, as MPJ reads it) the daemons must already run on those hosts
 * ({@code mpjdaemon} in MPJ_HOME/bin), the class path and the job directory must be visible at the same paths on every
 * host (a shared file system), and the ranks listen on the address of their host that the machines file names.
 *
 * <p>{@code --data mpj} (default) moves the runtime's frames over MPJ; {@code --data aeron} uses MPJ only to start
 * the job and exchange endpoints, and moves frames over Aeron UDP with the per-job secret, which the launcher writes
 * to a file readable by its owner only. Every rank runs through {@link MpjRankMain}, which records how main ended:
 * MPJ's starter itself reports success whatever the ranks did. The exit status is the first non-zero rank status;
 * after the first failure the other ranks get the grace period (the heartbeat timeout plus 3 s) to fail on their
 * own, then the job is stopped. The job directory, the private daemon and the ranks' Aeron directories on this host
 * are removed at the end, also when the launcher itself is stopped.
 */
public final class MpjLauncher {
    /** The MPJ transport's heartbeat timeout flag and default (MpjTransportSettings). */
    private static final String MPJ_HEARTBEAT_TIMEOUT_FLAG = "-Dbind.mpj.heartbeat.timeout.ms=";
    private static final long MPJ_HEARTBEAT_TIMEOUT_MS_DEFAULT = 10_000;
    /** MPJ's default daemon port (mpjexpress.conf). */
    public static final int DEFAULT_DAEMON_PORT = 40_055;
    private static final long DAEMON_START_TIMEOUT_MS = 60_000;
    /** How long the ranks may take to reach their main class (JVM start, MPJ's start-up). */
    public static final long DEFAULT_START_TIMEOUT_MS = 90_000;
    private static final long DESTROY_WAIT_MS = 3_000;
    /** Lines MPJ's starter prints about itself, dropped from the job's output. */
    private static final Pattern STARTER_LINE = Pattern.compile(
        "MPJ Express \\(.*\\) is started in the .*|Starting process <\\d+> on <.*>|Stopping Process <\\d+> on <.*>"
            + "|EXIT@Ping#|\\[MPJRun\\.java\\]:.*");
    /** A spurious exception MPJ's starter sometimes prints after the last rank ended (its output thread). */
    private static final String STARTER_NOISE = "java.util.NoSuchElementException: No line found";
    private static final Pattern STARTER_NOISE_FRAME =
        Pattern.compile("\\s+at (java\\.base/java\\.util\\.Scanner|runtime\\.starter\\.IOMessagesThread).*");

    /** Parsed command line. */
    record Options(int ranks, Path mpjHome, Path machines, int daemonPort, String data, Path jobsDir, int workers,
                   boolean tagOutput, long graceMs, long startTimeoutMs, List<String> jvmFlags, String classpath, String mainClass,
                   List<String> programArgs) {
    }

    private final Options options;
    private final PrintStream out;
    private final PrintStream err;
    private final long jobId;
    private final List<Thread> pumps = new ArrayList<>();
    private final Thread cleanupHook = new Thread(this::cleanUp, "bind-mpj-launcher-cleanup");
    private Path jobDir;
    private volatile Process daemon;
    private volatile Process starter;
    /** The private daemon's children seen so far: the ranks' JVMs. */
    private final Map<Long, ProcessHandle> rankJvms = new java.util.HashMap<>();

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
            err.println("usage: MpjLauncher -np N --mpj-home DIR [--machines FILE] [--daemon-port P] [--data mpj|aeron]"
                + " [--jobs-dir DIR] [--workers W] [--tag-output] [--grace-ms MS] [--start-timeout-ms MS] [-J<jvm flag>]..."
                + " -cp CP [--] Main"
                + " [args]");
            return 2;
        }
        return new MpjLauncher(options, out, err).launch();
    }

    static Options parse(String[] args, Map<String, String> environment) {
        int ranks = -1;
        int workers = 0;
        int daemonPort = DEFAULT_DAEMON_PORT;
        String data = "mpj";
        boolean tag = false;
        long graceMs = 0; // 0: from the ranks' heartbeat timeout
        long startTimeoutMs = DEFAULT_START_TIMEOUT_MS;
        String mpjHome = environment.get("MPJ_HOME");
        String machines = null;
        String jobsDir = System.getProperty("java.io.tmpdir");
        String classpath = "";
        List<String> jvmFlags = new ArrayList<>();
        int i = 0;
        while (i < args.length && args[i].startsWith("-") && !args[i].equals("--")) {
            String flag = args[i];
            switch (flag) {
                case "-np" -> ranks = positive(flag, ProcessLauncher.value(args, ++i, flag), Integer.MAX_VALUE);
                case "--workers" -> workers = positive(flag, ProcessLauncher.value(args, ++i, flag), 4096);
                case "--daemon-port" -> daemonPort = positive(flag, ProcessLauncher.value(args, ++i, flag), 65_535);
                case "--grace-ms" -> graceMs = positive(flag, ProcessLauncher.value(args, ++i, flag), Integer.MAX_VALUE);
                case "--start-timeout-ms" -> startTimeoutMs = positive(flag, ProcessLauncher.value(args, ++i, flag), Integer.MAX_VALUE);
                case "--data" -> data = ProcessLauncher.value(args, ++i, flag);
                case "--mpj-home" -> mpjHome = ProcessLauncher.value(args, ++i, flag);
                case "--machines" -> machines = ProcessLauncher.value(args, ++i, flag);
                case "--jobs-dir" -> jobsDir = ProcessLauncher.value(args, ++i, flag);
                case "--tag-output" -> tag = true;
                case "-cp", "-classpath", "--class-path" -> classpath = ProcessLauncher.value(args, ++i, flag);
                default -> {
                    if (flag.startsWith("-J") && flag.length() > 2) {
                        jvmFlags.add(flag.substring(2));
                    } else {
                        throw new IllegalArgumentException("unknown option " + flag);
                    }
                }
            }
            i++;
        }
        if (i < args.length && args[i].equals("--")) {
            i++;
        }
        if (ranks < 1) {
            throw new IllegalArgumentException("-np N is required");
        }
        if (!data.equals("mpj") && !data.equals("aeron")) {
            throw new IllegalArgumentException("--data '" + data + "' must be mpj or aeron");
        }
        if (mpjHome == null || mpjHome.isBlank()) {
            throw new IllegalArgumentException("MPJ Express's home is unknown: pass --mpj-home DIR or set MPJ_HOME"
                + " (bin/setup-mpj prints it)");
        }
        Path home = Path.of(mpjHome);
        if (!Files.isRegularFile(home.resolve("lib/starter.jar"))) {
            throw new IllegalArgumentException("MPJ home " + home + " has no lib/starter.jar (run bin/setup-mpj)");
        }
        Path machinesFile = null;
        if (machines != null) {
            machinesFile = Path.of(machines).toAbsolutePath();
            if (hosts(machinesFile).isEmpty()) {
                throw new IllegalArgumentException("machines file " + machines + " lists no host");
            }
        }
        if (i >= args.length) {
            throw new IllegalArgumentException("no main class");
        }
        if (graceMs == 0) {
            graceMs = data.equals("aeron") ? ProcessLauncher.defaultGraceMs(jvmFlags) : mpjGraceMs(jvmFlags);
        }
        return new Options(ranks, home.toAbsolutePath(), machinesFile, daemonPort, data, Path.of(jobsDir), workers, tag,
            graceMs, startTimeoutMs, List.copyOf(jvmFlags), classpath, args[i], List.of(args).subList(i + 1, args.length));
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

    private static int positive(String flag, String value, int max) {
        try {
            int parsed = Integer.parseInt(value);
            if (parsed >= 1 && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(flag + " '" + value + "' must be an integer in [1, " + max + "]");
    }

    int launch() {
        Runtime.getRuntime().addShutdownHook(cleanupHook);
        try {
            jobDir = Files.createDirectories(options.jobsDir()).resolve("bind-mpj-" + Long.toHexString(jobId));
            Files.createDirectory(jobDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path statusDir = Files.createDirectory(jobDir.resolve("status"));
            Path secret = jobDir.resolve("secret");
            byte[] secretBytes = new byte[32];
            new SecureRandom().nextBytes(secretBytes);
            Files.writeString(Files.createFile(secret, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------"))), HexFormat.of().formatHex(secretBytes));
            Path home;
            Path machines;
            int daemonPort;
            if (options.machines() == null) {
                int[] ports = freeTcpPorts(3);
                daemonPort = ports[0];
                home = privateHome(ports);
                machines = Files.writeString(jobDir.resolve("machines"), "localhost\n");
                daemon = startDaemon(home, daemonPort);
            } else {
                home = options.mpjHome();
                machines = options.machines();
                daemonPort = options.daemonPort();
            }
            ProcessBuilder builder = new ProcessBuilder(starterCommand(home, machines, daemonPort, statusDir, secret))
                .directory(jobDir.toFile());
            builder.environment().put("MPJ_HOME", home.toString());
            starter = builder.start();
            pump(starter.getInputStream(), out, "output");
            pump(starter.getErrorStream(), err, "errors");
            return supervise(statusDir);
        } catch (IOException | UncheckedIOException | IllegalStateException e) {
            err.println("bindrun: cannot start the MPJ Express job: " + e.getMessage());
            return 1;
        } finally {
            cleanUp();
            for (Thread pump : pumps) {
                try {
                    pump.join(DESTROY_WAIT_MS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            try {
                Runtime.getRuntime().removeShutdownHook(cleanupHook);
            } catch (IllegalStateException e) {
                // already exiting: the hook does the same clean-up
            }
        }
    }

    /** A copy of MPJ's configuration with this job's ports, next to a link to MPJ's libraries. */
    private Path privateHome(int[] ports) throws IOException {
        Path home = Files.createDirectories(jobDir.resolve("mpj-home/conf")).getParent();
        Files.createSymbolicLink(home.resolve("lib"), options.mpjHome().resolve("lib"));
        Path conf = options.mpjHome().resolve("conf/mpjexpress.conf");
        String text = Files.readString(conf, StandardCharsets.UTF_8);
        String[][] keys = {{"mpjexpress.mpjdaemon.port.1", "" + ports[0]}, {"mpjexpress.mpjdaemon.port.2", "" + ports[1]},
            {"mpjexpress.mpjrun.port.1", "" + ports[2]}};
        for (String[] key : keys) {
            Pattern line = Pattern.compile("(?m)^" + Pattern.quote(key[0]) + "=.*$");
            if (!line.matcher(text).find()) {
                throw new IllegalStateException(conf + " has no " + key[0] + " line");
            }
            text = line.matcher(text).replaceAll(key[0] + "=" + key[1]);
        }
        Files.writeString(home.resolve("conf/mpjexpress.conf"), text, StandardCharsets.UTF_8);
        return home;
    }

    private Process startDaemon(Path home, int port) throws IOException {
        List<String> jars = new ArrayList<>();
        try (Stream<Path> lib = Files.list(home.resolve("lib"))) {
            lib.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(p -> jars.add(p.toString()));
        }
        Path log = jobDir.resolve("daemon.log");
        ProcessBuilder builder = new ProcessBuilder(javaBinary(), "-cp", String.join(File.pathSeparator, jars),
            "runtime.daemon.MPJDaemon", Integer.toString(port))
            .directory(jobDir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("MPJ_HOME", home.toString());
        Process started = builder.start();
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DAEMON_START_TIMEOUT_MS);
        // ready when its port is taken; trying to bind the port (rather than connecting) does not disturb it
        while (isFree(port)) {
            if (!started.isAlive() || System.nanoTime() > deadlineNs) {
                started.destroyForcibly();
                throw new IllegalStateException("the job's MPJ daemon did not listen on port " + port + " within "
                    + DAEMON_START_TIMEOUT_MS / 1000 + " s:\n" + Files.readString(log));
            }
            try {
                started.waitFor(50, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting the MPJ daemon");
            }
        }
        return started;
    }

    private List<String> starterCommand(Path home, Path machines, int daemonPort, Path statusDir, Path secret) {
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-jar", home.resolve("lib/starter.jar").toString(),
            "-np", Integer.toString(options.ranks()), "-dev", "niodev", "-dport", Integer.toString(daemonPort),
            "-machinesfile", machines.toString()));
        String agent = ProcessLauncher.agentJar();
        if (agent != null) {
            command.add("-javaagent:" + Path.of(agent).toAbsolutePath());
        }
        // MPJ passes each JVM option as one word: "--add-exports=module/package=target", not two
        List<String> aeronFlags = ProcessLauncher.AERON_JVM_FLAGS;
        for (int i = 0; i + 1 < aeronFlags.size(); i += 2) {
            command.add(aeronFlags.get(i) + "=" + aeronFlags.get(i + 1));
        }
        command.add("-Dnet.bytebuddy.safe=true");
        command.addAll(options.jvmFlags());
        if (options.workers() > 0) {
            command.add("-D" + Bind.Context.WORKERS_PROP_NAME + "=" + options.workers());
        }
        command.add("-Dbind.transport=mpj");
        command.add("-Dbind.mpj.data=" + options.data());
        command.add("-Dbind.job=" + Long.toHexString(jobId));
        command.add("-Dbind.secret.file=" + secret);
        if (options.machines() != null) {
            command.add("-Dbind.aeron.hosts=" + String.join(",", hosts(options.machines())));
        }
        command.add("-D" + MpjRankMain.MAIN_PROP_NAME + "=" + options.mainClass());
        command.add("-D" + MpjRankMain.STATUS_DIR_PROP_NAME + "=" + statusDir);
        if (options.tagOutput()) {
            command.add("-D" + MpjRankMain.TAG_PROP_NAME + "=true");
        }
        String own = System.getProperty("java.class.path", "");
        String classpath = options.classpath().isEmpty() ? own
            : own.isEmpty() ? options.classpath() : options.classpath() + File.pathSeparator + own;
        command.add("-cp");
        command.add(absolute(classpath));
        command.add(MpjRankMain.class.getName());
        command.addAll(options.programArgs());
        return command;
    }

    /** {@code classpath} with every entry made absolute: the ranks start in another directory. */
    private static String absolute(String classpath) {
        List<String> entries = new ArrayList<>();
        for (String entry : classpath.split(File.pathSeparator)) {
            if (!entry.isEmpty()) {
                entries.add(Path.of(entry).toAbsolutePath().toString());
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    /**
     * Waits for the starter; after the first failing rank gives the others the grace period, then stops the job.
     * Returns the job's status.
     */
    private int supervise(Path statusDir) {
        long deadlineNs = Long.MAX_VALUE;
        long startDeadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(options.startTimeoutMs());
        boolean started = false;
        String firstFailure = null;
        try {
            while (!starter.waitFor(50, TimeUnit.MILLISECONDS)) {
                if (!started) {
                    int count = startedRanks(statusDir);
                    started = count == options.ranks();
                    if (!started && System.nanoTime() - startDeadlineNs > 0) {
                        err.println("bindrun: " + count + " of " + options.ranks() + " ranks started within "
                            + options.startTimeoutMs() + " ms (see the output above); stopping the job");
                        stopJob();
                        drainPumps();
                        return 1;
                    }
                }
                if (firstFailure == null) {
                    Map<Integer, String> failed = statuses(statusDir, true);
                    String vanished = vanishedRank(statusDir);
                    if (failed.isEmpty() && vanished != null) {
                        firstFailure = vanished;
                        err.println("bindrun: " + firstFailure + "; stopping the others");
                        deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(options.graceMs());
                    } else if (!failed.isEmpty()) {
                        Map.Entry<Integer, String> first = failed.entrySet().iterator().next();
                        firstFailure = "rank " + first.getKey() + " failed (" + first.getValue() + ")";
                        err.println("bindrun: " + firstFailure + "; stopping the others");
                        deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(options.graceMs());
                    }
                } else if (System.nanoTime() - deadlineNs > 0) {
                    err.println("bindrun: ranks still running " + options.graceMs() + " ms after the failure; stopping"
                        + " the job");
                    stopJob();
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
        drainPumps();
        Map<Integer, String> all = statuses(statusDir, false);
        Map<Integer, String> failed = statuses(statusDir, true);
        if (!failed.isEmpty()) {
            return 1;
        }
        List<Integer> missing = new ArrayList<>();
        for (int r = 0; r < options.ranks(); r++) {
            if (!all.containsKey(r)) {
                missing.add(r);
            }
        }
        if (missing.size() == options.ranks()) {
            err.println("bindrun: no rank recorded how it ended in " + statusDir + ": the ranks did not start (see the"
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

    /**
     * On this host, the private daemon's children are the ranks' JVMs: one that ended while fewer ranks recorded a
     * status failed to start, was killed, or called System.exit. Returns that failure, or null.
     */
    private String vanishedRank(Path statusDir) {
        Process localDaemon = daemon;
        if (localDaemon == null) {
            return null;
        }
        localDaemon.children().forEach(child -> rankJvms.putIfAbsent(child.pid(), child));
        long ended = rankJvms.values().stream().filter(jvm -> !jvm.isAlive()).count();
        if (ended == 0) {
            return null;
        }
        long recorded = statuses(statusDir, false).size();
        return ended > recorded ? "a rank's JVM ended without recording how main ended (it did not start, was killed, or"
            + " called System.exit)" : null;
    }

    /** How many ranks have reached their main class. */
    private static int startedRanks(Path statusDir) {
        try (Stream<Path> files = Files.list(statusDir)) {
            return (int) files.filter(p -> p.getFileName().toString().endsWith(".started")).count();
        } catch (IOException e) {
            return 0;
        }
    }

    /** The recorded statuses (only the failures when {@code failedOnly}), earliest first, by rank. */
    private static Map<Integer, String> statuses(Path statusDir, boolean failedOnly) {
        record Status(int rank, long modified, String text) {
        }
        List<Status> found = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(statusDir, "rank-*.status")) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                String digits = name.substring("rank-".length(), name.length() - ".status".length());
                if (!digits.matches("\\d{1,9}")) {
                    continue;
                }
                String text = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (!failedOnly || !text.equals("0")) {
                    found.add(new Status(Integer.parseInt(digits), Files.getLastModifiedTime(file).toMillis(),
                        text.startsWith("1 ") ? text.substring(2) : text));
                }
            }
        } catch (IOException e) {
            return Map.of();
        }
        found.sort((a, b) -> a.modified() != b.modified() ? Long.compare(a.modified(), b.modified())
            : Integer.compare(a.rank(), b.rank()));
        Map<Integer, String> ordered = new java.util.LinkedHashMap<>();
        for (Status status : found) {
            ordered.put(status.rank(), status.text());
        }
        return ordered;
    }

    /** Stops the ranks: this host's private daemon's children, and the starter (MPJ daemons then end theirs). */
    private void stopJob() {
        List<ProcessHandle> handles = new ArrayList<>();
        Process localDaemon = daemon;
        if (localDaemon != null) {
            localDaemon.descendants().forEach(handles::add);
        }
        Process job = starter;
        if (job != null) {
            job.descendants().forEach(handles::add);
            handles.add(job.toHandle());
        }
        handles.forEach(ProcessHandle::destroy);
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DESTROY_WAIT_MS);
        for (ProcessHandle handle : handles) {
            long leftMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime()));
            handle.onExit().completeOnTimeout(handle, leftMs, TimeUnit.MILLISECONDS).join();
            if (handle.isAlive()) {
                handle.destroyForcibly();
            }
        }
    }

    /** Stops the job and the private daemon, removes the job directory and this host's Aeron directories. */
    private synchronized void cleanUp() {
        Process job = starter;
        if (job != null && job.isAlive()) {
            stopJob();
        }
        Process localDaemon = daemon;
        if (localDaemon != null) {
            List<ProcessHandle> children = localDaemon.descendants().toList();
            children.forEach(ProcessHandle::destroyForcibly);
            localDaemon.destroy();
            try {
                if (!localDaemon.waitFor(DESTROY_WAIT_MS, TimeUnit.MILLISECONDS)) {
                    localDaemon.destroyForcibly().waitFor(DESTROY_WAIT_MS, TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                localDaemon.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            daemon = null;
        }
        ProcessLauncher.removeAeronDirectories(jobId);
        if (jobDir != null) {
            deleteTree(jobDir);
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("bindrun: could not remove the job directory " + root + ": " + e.getMessage());
        }
    }

    /** Lets the output threads forward what the starter printed last. */
    private void drainPumps() {
        for (Thread pump : pumps) {
            try {
                pump.join(DESTROY_WAIT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Forwards the starter's lines (the ranks' output, which MPJ's daemons relay) to {@code target}, without the
     * starter's own progress lines and a spurious exception it prints at the end.
     */
    private void pump(InputStream stream, PrintStream target, String what) {
        Thread pump = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                boolean inNoise = false;
                while ((line = reader.readLine()) != null) {
                    String text = line.replace("EXIT@Ping#", "");
                    if (inNoise && STARTER_NOISE_FRAME.matcher(text).matches()) {
                        continue;
                    }
                    inNoise = text.equals(STARTER_NOISE);
                    if (inNoise || STARTER_LINE.matcher(text).matches() || (text.isEmpty() && !line.isEmpty())) {
                        continue;
                    }
                    synchronized (target) {
                        target.println(text);
                    }
                }
            } catch (IOException e) {
                // the starter's pipe closed
            }
        }, "bind-mpj-launcher-" + what);
        pump.setDaemon(true);
        pumps.add(pump);
        pump.start();
    }

    /** {@code count} distinct TCP ports free on every interface now (MPJ's daemon binds them on all interfaces). */
    static int[] freeTcpPorts(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket();
                sockets.add(socket);
                socket.bind(new InetSocketAddress(0));
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find free TCP ports", e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException e) {
                    // nothing to release
                }
            }
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

    private static String javaBinary() {
        return ProcessHandle.current().info().command()
            .orElse(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    }
}
