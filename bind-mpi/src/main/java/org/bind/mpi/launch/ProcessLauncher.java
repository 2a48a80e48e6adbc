package org.bind.mpi.launch;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.agrona.IoUtil;
import org.bind.Bind;
import org.bind.mpi.aeron.AeronSettings;
import org.bind.mpi.aeron.AeronTransportFactory;
import org.bind.transport.TransportFactory;

/**
 * Runs the ranks of a job as local JVM processes over the Aeron transport:
 * {@code ProcessLauncher -np N [--transport aeron] [--workers W] [--tag-output] [--grace-ms MS] [--time-limit DURATION]
 * [-J<jvm flag>]... -cp CP [--] Main [args]} ({@code -J} flags go to every rank's JVM).
 *
 * <p>It picks free loopback UDP ports, a random job id and secret, and starts every rank with the same {@code java}
 * as itself, the Bind agent, the JVM flags Aeron needs, {@code CP} followed by its own classpath, {@code Main} run by
 * {@link MpjRankMain} (so that an exception escaping it reaches the other ranks), and the job in the
 * environment ({@code BIND_TRANSPORT}, {@code BIND_RANK}, {@code BIND_SIZE}, {@code BIND_JOB}, {@code BIND_PEERS},
 * {@code BIND_SECRET}). Every rank's output is forwarded line by line. When a rank fails (non-zero status or a
 * signal) the others get the grace period (default: the heartbeat timeout plus 3 s) to notice the loss and fail on
 * their own, then are destroyed, then destroyed forcibly. The launcher exits with the first non-zero status, removes
 * the ranks' Aeron directories, and does the same clean-up from a shutdown hook when it is itself stopped. A job that
 * outlives {@code --time-limit} has every rank print its stacks (SIGQUIT), is stopped, and the launcher exits with
 * {@value #STATUS_TIME_LIMIT}. Each rank knows the launcher's pid ({@code BIND_LAUNCHER_PID}) and exits when the
 * launcher is gone, even after a SIGKILL that leaves no clean-up to the launcher.
 */
public final class ProcessLauncher {
    /** System property naming the agent jar to pass as {@code -javaagent}. */
    public static final String AGENT_PROP_NAME = "bind.agent";
    /** Flags that Agrona needs on JDK 17 and later. */
    public static final List<String> AERON_JVM_FLAGS = List.of(
        "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
        "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-opens", "java.base/java.nio=ALL-UNNAMED");
    private static final long DESTROY_WAIT_MS = 2_000;

    /** Parsed command line. */
    record Options(int ranks, String transport, int workers, boolean tagOutput, long graceMs, long timeLimitMs,
                   List<String> jvmFlags, String classpath, String mainClass, List<String> programArgs) {
    }

    /** The launcher's status when the job outlived {@code --time-limit} (as timeout(1)). */
    public static final int STATUS_TIME_LIMIT = 124;
    private static final long STACK_DUMP_WAIT_MS = 2_000;

    private final Options options;
    private final PrintStream out;
    private final PrintStream err;
    private final long jobId;
    private final List<Process> ranks = new ArrayList<>();
    private final List<Thread> pumps = new ArrayList<>();
    private final Thread cleanupHook = new Thread(this::stopAll, "bind-launcher-cleanup");

    ProcessLauncher(Options options, PrintStream out, PrintStream err) {
        this.options = options;
        this.out = out;
        this.err = err;
        this.jobId = new SecureRandom().nextLong();
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the job described by {@code args}; returns the launcher's exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            err.println("bindrun: " + e.getMessage());
            err.println("usage: ProcessLauncher -np N [--transport aeron] [--workers W] [--tag-output] [--grace-ms MS]"
                + " [--time-limit DURATION] [-J<jvm flag>]... -cp CP [--] Main [args]");
            return 2;
        }
        return new ProcessLauncher(options, out, err).launch();
    }

    static Options parse(String[] args) {
        int ranks = -1;
        int workers = 0;
        String transport = "aeron";
        boolean tag = false;
        long graceMs = 0;   // 0: from the ranks' heartbeat timeout (defaultGraceMs)
        long timeLimitMs = 0;   // 0: none
        String classpath = null;
        List<String> jvmFlags = new ArrayList<>();
        int i = 0;
        while (i < args.length && args[i].startsWith("-")) {
            String flag = args[i];
            switch (flag) {
                case "-np" -> ranks = positive(flag, value(args, ++i, flag));
                case "--workers" -> workers = positive(flag, value(args, ++i, flag));
                case "--transport" -> transport = value(args, ++i, flag);
                case "--grace-ms" -> graceMs = positive(flag, value(args, ++i, flag));
                case "--time-limit" -> timeLimitMs = durationMs(flag, value(args, ++i, flag));
                case "--tag-output" -> tag = true;
                case "-cp", "-classpath", "--class-path" -> classpath = value(args, ++i, flag);
                case "--" -> {
                    i++;
                    if (i >= args.length) {
                        throw new IllegalArgumentException("no main class after --");
                    }
                    return finish(ranks, transport, workers, tag, graceMs, timeLimitMs, jvmFlags, classpath, args, i);
                }
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
        return finish(ranks, transport, workers, tag, graceMs, timeLimitMs, jvmFlags, classpath, args, i);
    }

    private static Options finish(int ranks, String transport, int workers, boolean tag, long graceMs,
                                  long timeLimitMs, List<String> jvmFlags, String classpath, String[] args,
                                  int mainIndex) {
        if (ranks < 1) {
            throw new IllegalArgumentException("-np N is required");
        }
        if (!transport.equals("aeron")) {
            throw new IllegalArgumentException("transport '" + transport + "' is not started by ProcessLauncher; use aeron");
        }
        if (mainIndex >= args.length) {
            throw new IllegalArgumentException("no main class");
        }
        return new Options(ranks, transport, workers, tag, graceMs > 0 ? graceMs : defaultGraceMs(jvmFlags),
            timeLimitMs, List.copyOf(jvmFlags),
            classpath == null ? "" : classpath, args[mainIndex],
            List.of(args).subList(mainIndex + 1, args.length));
    }

    /**
     * The ranks' heartbeat timeout plus 3 s, the timeout read as the ranks read it: {@code BIND_HEARTBEAT_TIMEOUT_MS}
     * from the environment they inherit, else the last {@code -Dbind.heartbeat.timeout.ms=} among the JVM flags, else
     * the default. A shorter grace would stop the survivors of a lost rank before they can notice and report it.
     */
    static long defaultGraceMs(List<String> jvmFlags) {
        String timeout = System.getenv(AeronSettings.HEARTBEAT_TIMEOUT_ENV);
        if (timeout == null || timeout.isBlank()) {
            String property = "-D" + AeronSettings.HEARTBEAT_TIMEOUT_ENV.toLowerCase(Locale.ROOT).replace('_', '.') + "=";
            for (String flag : jvmFlags) {
                if (flag.startsWith(property)) {
                    timeout = flag.substring(property.length());
                }
            }
        }
        if (timeout != null && timeout.trim().matches("\\d{1,9}")) {
            return Long.parseLong(timeout.trim()) + 3_000;
        }
        return AeronSettings.HEARTBEAT_TIMEOUT_MS_DEFAULT + 3_000;
    }

    /** The value after option {@code flag} at {@code index}; shared by the launchers' parsers. */
    static String value(String[] args, int index, String flag) {
        if (index >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[index];
    }

    /** {@code value} as milliseconds: a positive integer with a unit {@code ms}, {@code s}, {@code m} or {@code h}. */
    static long durationMs(String flag, String value) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,9})(ms|s|m|h)").matcher(value.trim());
        if (m.matches() && Long.parseLong(m.group(1)) > 0) {
            long amount = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> amount;
                case "s" -> TimeUnit.SECONDS.toMillis(amount);
                case "m" -> TimeUnit.MINUTES.toMillis(amount);
                default -> TimeUnit.HOURS.toMillis(amount);
            };
        }
        throw new IllegalArgumentException(flag + " '" + value + "' is not a duration such as 500ms, 20s, 5m or 2h");
    }

    private static int positive(String flag, String value) {
        try {
            int parsed = Integer.parseInt(value);
            if (parsed >= 1) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(flag + " " + value + " is not a positive number");
    }

    /**
     * {@code count} distinct UDP ports free on 127.0.0.1 now (held open together while picked, so distinct). A
     * port can still be taken by another process before a rank binds it; the rank then fails to start, loudly.
     */
    public static int[] freeUdpPorts(int count) {
        List<DatagramSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find free UDP ports on 127.0.0.1", e);
        } finally {
            sockets.forEach(DatagramSocket::close);
        }
    }

    int launch() {
        int[] ports = freeUdpPorts(options.ranks());
        StringBuilder peers = new StringBuilder();
        for (int port : ports) {
            peers.append(peers.length() == 0 ? "" : ",").append("127.0.0.1:").append(port);
        }
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        Runtime.getRuntime().addShutdownHook(cleanupHook);
        try {
            for (int rank = 0; rank < options.ranks(); rank++) {
                ProcessBuilder builder = new ProcessBuilder(command());
                Map<String, String> env = builder.environment();
                env.put(TransportFactory.TRANSPORT_ENV, options.transport());
                env.put(AeronTransportFactory.RANK_ENV, Integer.toString(rank));
                env.put(AeronTransportFactory.SIZE_ENV, Integer.toString(options.ranks()));
                env.put(AeronTransportFactory.JOB_ENV, Long.toHexString(jobId));
                env.put(AeronTransportFactory.PEERS_ENV, peers.toString());
                env.put(AeronTransportFactory.SECRET_ENV, HexFormat.of().formatHex(secret));
                env.put(AeronTransportFactory.LAUNCHER_PID_ENV, Long.toString(ProcessHandle.current().pid()));
                Process process = builder.start();
                synchronized (ranks) {
                    ranks.add(process);
                }
                String prefix = options.tagOutput() ? "[rank " + rank + "] " : "";
                pump(process.getInputStream(), out, prefix, rank);
                pump(process.getErrorStream(), err, prefix, rank);
            }
            return supervise();
        } catch (IOException e) {
            err.println("bindrun: cannot start a rank: " + e.getMessage());
            return 1;
        } finally {
            stopAll();
            for (Thread pump : pumps) {
                join(pump, DESTROY_WAIT_MS);
            }
            try {
                Runtime.getRuntime().removeShutdownHook(cleanupHook);
            } catch (IllegalStateException e) {
                // already exiting: the hook does the same clean-up
            }
        }
    }

    /** Waits for every rank; after the first failure gives the others the grace period. Returns the status. */
    private int supervise() {
        int status = 0;
        long deadlineNs = Long.MAX_VALUE;
        long limitNs = options.timeLimitMs() > 0
            ? System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(options.timeLimitMs()) : Long.MAX_VALUE;
        List<Process> running = new ArrayList<>(ranks);
        while (!running.isEmpty()) {
            if (System.nanoTime() - limitNs > 0) {
                return outlived(running);
            }
            for (int i = 0; i < running.size(); i++) {
                Process process = running.get(i);
                if (!process.isAlive()) {
                    running.remove(i--);
                    int exit = process.exitValue();
                    if (exit != 0 && status == 0) {
                        status = exit;
                        deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(options.graceMs());
                        err.println("bindrun: rank " + ranks.indexOf(process) + " exited with status " + exit
                            + describe(exit) + "; stopping the others");
                    }
                }
            }
            if (System.nanoTime() - deadlineNs > 0) {
                err.println("bindrun: ranks still running " + options.graceMs() + " ms after the failure; destroying them");
                return status;
            }
            if (!running.isEmpty()) {
                try {
                    running.get(0).waitFor(20, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return status == 0 ? 1 : status;
                }
            }
        }
        return status;
    }

    /** The job outlived its time limit: every running rank prints its stacks (SIGQUIT), then the job is stopped. */
    private int outlived(List<Process> running) {
        err.println("bindrun: the job outlived its time limit of " + options.timeLimitMs() + " ms; the stacks of every"
            + " rank still running follow, then the ranks are stopped");
        for (Process process : running) {
            signal("QUIT", process.pid());
        }
        try {
            Thread.sleep(STACK_DUMP_WAIT_MS);   // the dumps travel through the output pumps
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return STATUS_TIME_LIMIT;
    }

    /** Sends signal {@code name} to {@code pid} with kill(1); false when it could not. */
    private static boolean signal(String name, long pid) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return kill.waitFor(5, TimeUnit.SECONDS) && kill.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String describe(int exit) {
        return exit > 128 && exit < 160 ? " (signal " + (exit - 128) + ")" : "";
    }

    /** Destroys every rank still running (then forcibly) and removes the job's Aeron directories. Idempotent. */
    private void stopAll() {
        List<Process> all;
        synchronized (ranks) {
            all = new ArrayList<>(ranks);
        }
        for (Process process : all) {
            if (process.isAlive()) {
                process.descendants().forEach(ProcessHandle::destroy);
                process.destroy();
            }
        }
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DESTROY_WAIT_MS);
        for (Process process : all) {
            try {
                long leftNs = deadlineNs - System.nanoTime();
                if (leftNs <= 0 || !process.waitFor(leftNs, TimeUnit.NANOSECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly().waitFor(DESTROY_WAIT_MS, TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        removeAeronDirectories(jobId);
    }

    /** Removes this host's Aeron directories of every rank of job {@code jobId} (under /dev/shm and tmp). */
    static void removeAeronDirectories(long jobId) {
        String prefix = AeronSettings.dirPrefix(jobId);
        for (String root : new String[] {"/dev/shm", System.getProperty("java.io.tmpdir"),
            System.getenv(AeronSettings.DIR_ENV)}) {
            File[] leftovers = root == null ? null : new File(root).listFiles((dir, name) -> name.startsWith(prefix));
            if (leftovers != null) {
                for (File leftover : leftovers) {
                    IoUtil.delete(leftover, true);
                }
            }
        }
    }

    private List<String> command() {
        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        String agent = agentJar();
        if (agent != null) {
            command.add("-javaagent:" + agent);
        }
        command.addAll(AERON_JVM_FLAGS);
        command.add("-Dnet.bytebuddy.safe=true");
        command.addAll(options.jvmFlags());
        if (options.workers() > 0) {
            command.add("-D" + Bind.Context.WORKERS_PROP_NAME + "=" + options.workers());
        }
        String own = System.getProperty("java.class.path", "");
        String classpath = options.classpath().isEmpty() ? own
            : own.isEmpty() ? options.classpath() : options.classpath() + File.pathSeparator + own;
        command.add("-cp");
        command.add(classpath);
        // the program's main runs inside MpjRankMain, which tells the other ranks when it throws
        command.add("-D" + MpjRankMain.MAIN_PROP_NAME + "=" + options.mainClass());
        command.add("-D" + MpjRankMain.EXIT_PROP_NAME + "=false");
        command.add(MpjRankMain.class.getName());
        command.addAll(options.programArgs());
        return command;
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command()
            .orElse(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    }

    /**
     * The agent for the ranks: {@value #AGENT_PROP_NAME} if set, else bind-core's jar on this classpath, else Byte
     * Buddy's agent jar (either keeps the {@code Instrumentation} for {@code Bind.init}); null: the ranks self-attach.
     */
    static String agentJar() {
        String configured = System.getProperty(AGENT_PROP_NAME);
        if (configured != null && !configured.isEmpty()) {
            return configured;
        }
        String fallback = null;
        for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            String name = new File(entry).getName();
            if (name.startsWith("bind-core") && name.endsWith(".jar")) {
                return entry;
            }
            if (name.startsWith("byte-buddy-agent") && name.endsWith(".jar")) {
                fallback = entry;
            }
        }
        return fallback;
    }

    private void pump(InputStream stream, PrintStream target, String prefix, int rank) {
        Thread pump = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    synchronized (target) {
                        target.println(prefix + line);
                    }
                }
            } catch (IOException e) {
                // the rank's pipe closed
            }
        }, "bind-launcher-output-" + rank);
        pump.setDaemon(true);
        pumps.add(pump);
        pump.start();
    }

    private static void join(Thread thread, long timeoutMs) {
        try {
            thread.join(timeoutMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
