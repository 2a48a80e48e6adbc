package org.bind.mpi.launch;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.aeron.driver.MediaDriver;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;
import org.bind.mpi.aeron.AeronSettings;
import org.bind.mpi.aeron.AeronTransportFactory;
import org.bind.mpi.aeron.EmbeddedAeron;
import org.bind.transport.TransportFactory;

/**
 * Runs the ranks of a job as local JVM processes over the Aeron transport:
 * {@code ProcessLauncher -np N [--transport aeron] [--workers W] [--tag-output] [--grace-ms MS] [--time-limit DURATION]
 * [-J<jvm flag>]... -cp CP [--] Main [args]} ({@code -J} flags go to every rank's JVM).
 *
 * <p>It picks free loopback UDP ports, a random job id and secret, and starts every rank with the same {@code java}
 * as itself ({@link RankCommand}), and the job in the environment ({@code BIND_TRANSPORT}, {@code BIND_RANK},
 * {@code BIND_SIZE}, {@code BIND_JOB}, {@code BIND_PEERS}, {@code BIND_SECRET}). Unless {@code BIND_AERON_IPC=false},
 * it first starts the Aeron media driver the ranks share ({@link EmbeddedAeron#launchDriver}, in a directory private to
 * the user under /dev/shm) and names it in {@code BIND_AERON_SHARED_DIR}: the ranks are its clients and exchange
 * frames over Aeron IPC (shared memory). The driver lives as long as the launcher: it is closed and its directory
 * removed when the job ends, and the ranks, which exit when the launcher is gone, remove it after a SIGKILL. Every rank's output is forwarded
 * line by line ({@link OutputPump}). A rank failing (non-zero status or a signal), the grace period and the time
 * limit are handled by the {@link JobSupervisor}: when a rank fails the others get the grace period (default: the
 * heartbeat timeout plus 3 s) to notice the loss and fail on their own, then are stopped; a job that outlives
 * {@code --time-limit} has every rank print its stacks (SIGQUIT), is stopped, and the launcher exits with
 * {@value #STATUS_TIME_LIMIT}. Otherwise the launcher exits with the first non-zero status. It removes the ranks'
 * Aeron directories, and does the same clean-up from a shutdown hook when it is itself stopped. Each rank knows
 * the launcher's pid ({@code BIND_LAUNCHER_PID}) and exits when the launcher is gone, even after a SIGKILL that
 * leaves no clean-up to the launcher.
 */
public final class ProcessLauncher {
    /** System property naming the agent jar to pass as {@code -javaagent}. */
    public static final String AGENT_PROP_NAME = "bind.agent";
    /** Flags that Agrona needs on JDK 17 and later. */
    public static final List<String> AERON_JVM_FLAGS = RankCommand.AERON_JVM_FLAGS;
    /** The launcher's status when the job outlived {@code --time-limit} (as timeout(1)). */
    public static final int STATUS_TIME_LIMIT = JobSupervisor.STATUS_TIME_LIMIT;
    private static final long STACK_DUMP_WAIT_MS = 2_000;
    /** Lowest port picked for a local job's ranks: above the well-known and most registered services' ports. */
    private static final int LOWEST_JOB_PORT = 10_000;
    private static final LaunchOptions TABLE = new LaunchOptions("ProcessLauncher", LaunchOptions.PROGRAM, LaunchOptions.RANKS,
        LaunchOptions.TRANSPORT, LaunchOptions.WORKERS, LaunchOptions.TAG_OUTPUT, LaunchOptions.GRACE_MS,
        LaunchOptions.TIME_LIMIT, LaunchOptions.CLASSPATH);

    /** Parsed command line. */
    record Options(int ranks, String transport, int workers, boolean tagOutput, long graceMs, long timeLimitMs,
                   List<String> jvmFlags, String classpath, String mainClass, List<String> programArgs) {
    }

    private final Options options;
    private final PrintStream out;
    private final PrintStream err;
    private final long jobId;
    private final List<Process> ranks = new ArrayList<>();
    private final OutputPump pump = new OutputPump();
    private final Thread cleanupHook = new Thread(this::stopAll, "bind-launcher-cleanup");
    /** The media driver the ranks share (null: they talk UDP); closed by {@link #stopAll}. */
    private volatile MediaDriver driver;

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
            err.println(TABLE.usage());
            return 2;
        }
        return new ProcessLauncher(options, out, err).launch();
    }

    static Options parse(String[] args) {
        LaunchOptions.Parsed parsed = TABLE.parse(args);
        String transport = parsed.get(LaunchOptions.TRANSPORT, "aeron");
        if (!transport.equals("aeron")) {
            throw new IllegalArgumentException("transport '" + transport + "' is not started by ProcessLauncher; use aeron");
        }
        int graceMs = parsed.count(LaunchOptions.GRACE_MS, Integer.MAX_VALUE, 0);
        return new Options(parsed.count(LaunchOptions.RANKS, Integer.MAX_VALUE, 0), transport,
            parsed.count(LaunchOptions.WORKERS, 4096, 0), parsed.has(LaunchOptions.TAG_OUTPUT),
            graceMs > 0 ? graceMs : defaultGraceMs(parsed.jvmFlags()), parsed.durationMs(LaunchOptions.TIME_LIMIT),
            parsed.jvmFlags(), parsed.get(LaunchOptions.CLASSPATH, ""), parsed.mainClass(), parsed.programArgs());
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

    /**
     * {@code count} distinct UDP ports free on 127.0.0.1 now (held open together while picked, so distinct), chosen at
     * random below the kernel's ephemeral range ({@link #ephemeralLow}) when there is room: the ranks' own senders
     * (Aeron publications) bind ephemeral ports as they start, and one of those could otherwise take a port picked for
     * a rank that has not bound it yet. A port can still be taken by another process before a rank binds it; the rank
     * then fails to start, loudly.
     */
    public static int[] freeUdpPorts(int count) {
        int below = ephemeralLow();
        List<DatagramSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                DatagramSocket socket = below - LOWEST_JOB_PORT >= 1_000 ? bindBelow(below) : null;
                if (socket == null) {
                    socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                }
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

    /** A socket on a free port in [{@link #LOWEST_JOB_PORT}, {@code below}), tried at random; null if none was. */
    private static DatagramSocket bindBelow(int below) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 64; attempt++) {
            int port = random.nextInt(LOWEST_JOB_PORT, below);
            try {
                return new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            } catch (SocketException e) {
                // taken: another one
            }
        }
        return null;
    }

    /**
     * The first port of the kernel's ephemeral range, which binding port 0 and outgoing sockets draw from (Linux's
     * {@code ip_local_port_range}); 32,768, Linux's default, where it cannot be read.
     */
    static int ephemeralLow() {
        try {
            String[] range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+");
            return Integer.parseInt(range[0]);
        } catch (IOException | RuntimeException e) {
            return 32_768;
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
        String sharedDir;
        try {
            sharedDir = startSharedDriver(ports, secret);
        } catch (RuntimeException e) {
            err.println("bindrun: cannot start the job's Aeron media driver: " + e.getMessage());
            stopAll();
            return 1;
        }
        List<String> command = new RankCommand(List.of(RankCommand.javaBinary()), false, options.jvmFlags(),
            options.workers(), false)
            .property(MpjRankMain.EXIT_PROP_NAME, "false")   // a rank ends as a plain JVM does
            .build(options.classpath(), false, options.mainClass(), options.programArgs());
        try {
            for (int rank = 0; rank < options.ranks(); rank++) {
                ProcessBuilder builder = new ProcessBuilder(command);
                Map<String, String> env = builder.environment();
                env.put(TransportFactory.TRANSPORT_ENV, options.transport());
                env.put(AeronTransportFactory.RANK_ENV, Integer.toString(rank));
                env.put(AeronTransportFactory.SIZE_ENV, Integer.toString(options.ranks()));
                env.put(AeronTransportFactory.JOB_ENV, Long.toHexString(jobId));
                env.put(AeronTransportFactory.PEERS_ENV, peers.toString());
                env.put(AeronTransportFactory.SECRET_ENV, HexFormat.of().formatHex(secret));
                env.put(AeronTransportFactory.LAUNCHER_PID_ENV, Long.toString(ProcessHandle.current().pid()));
                env.put(AeronSettings.SHARED_DIR_ENV, sharedDir);
                Process process = builder.start();
                synchronized (ranks) {
                    ranks.add(process);
                }
                String prefix = options.tagOutput() ? "[rank " + rank + "] " : "";
                pump.forward(process.getInputStream(), out, prefix, "bind-launcher-output-" + rank);
                pump.forward(process.getErrorStream(), err, prefix, "bind-launcher-errors-" + rank);
            }
            Ranks job = new Ranks();
            JobSupervisor.Outcome outcome = new JobSupervisor(err, options.graceMs(), options.timeLimitMs(),
                STACK_DUMP_WAIT_MS).supervise(job);
            return switch (outcome) {
                case OUTLIVED -> STATUS_TIME_LIMIT;
                case INTERRUPTED -> job.status == 0 ? 1 : job.status;
                default -> job.status;
            };
        } catch (IOException e) {
            err.println("bindrun: cannot start a rank: " + e.getMessage());
            return 1;
        } finally {
            stopAll();
            pump.drain(JobSupervisor.DESTROY_WAIT_MS);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanupHook);
            } catch (IllegalStateException e) {
                // already exiting: the hook does the same clean-up
            }
        }
    }

    /** The rank processes as the supervisor sees them; the first non-zero exit status is the job's. */
    private final class Ranks implements JobSupervisor.Job {
        private final List<Process> running = new ArrayList<>(ranks);
        private int status;
        private String failure;

        @Override
        public boolean awaitEnd(long timeoutMs) throws InterruptedException {
            for (int i = 0; i < running.size(); i++) {
                Process process = running.get(i);
                if (!process.isAlive()) {
                    running.remove(i--);
                    int exit = process.exitValue();
                    if (exit != 0 && status == 0) {
                        status = exit;
                        failure = "rank " + ranks.indexOf(process) + " exited with status " + exit
                            + JobSupervisor.describe(exit);
                    }
                }
            }
            if (running.isEmpty()) {
                return true;
            }
            running.get(0).waitFor(timeoutMs, TimeUnit.MILLISECONDS);
            return false;
        }

        @Override
        public JobSupervisor.Failure failure() {
            return failure == null ? null : new JobSupervisor.Failure(failure, false);
        }

        @Override
        public void dumpStacks() {
            for (Process process : running) {
                JobSupervisor.signal("QUIT", process.pid());
            }
        }

        @Override
        public void stop() {
            stopAll();
        }
    }

    /**
     * Starts the media driver the ranks share, unless {@code BIND_AERON_IPC=false} or the job has one rank; returns its directory for
     * {@code BIND_AERON_SHARED_DIR}, or an empty string (the ranks then embed their own drivers and talk UDP).
     */
    private String startSharedDriver(int[] ports, byte[] secret) {
        Map<String, String> environment = System.getenv();
        if (!AeronSettings.ipcWanted(environment) || ports.length == 1) { // one rank: no transport, no driver
            return "";
        }
        List<InetSocketAddress> peers = new ArrayList<>();
        for (int port : ports) {
            peers.add(InetSocketAddress.createUnresolved("127.0.0.1", port));
        }
        AeronSettings settings = AeronSettings.of(0, ports.length, jobId, peers, secret, environment);
        File dir = settings.jobSharedDir();
        driver = EmbeddedAeron.launchDriver(settings, dir,
            error -> err.println("bindrun: the job's Aeron media driver: " + error));
        return dir.getPath();
    }

    /**
     * Destroys every rank still running (then forcibly), closes the shared media driver and removes the job's Aeron
     * directories. Idempotent.
     */
    private void stopAll() {
        List<ProcessHandle> all = new ArrayList<>();
        synchronized (ranks) {
            for (Process process : ranks) {
                if (process.isAlive()) {
                    all.add(process.toHandle());
                }
            }
        }
        JobSupervisor.destroy(all);
        CloseHelper.quietClose(driver);
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
}
