package org.bind.mpi.aeron;

import java.io.File;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.bind.transport.TransportException;

/**
 * Immutable settings of one rank's {@link AeronTransport}. The job description (rank, size, job id, peers, secret)
 * comes from the launcher; tuning comes from environment variables or system properties ({@code *_ENV} names, the
 * property being the lower-case dotted form, e.g. {@code bind.heartbeat.ms}), each with a {@code *_DEFAULT}.
 *
 * @param peers            one UDP endpoint per rank, index = rank; this rank listens on its own
 * @param secret           the per-job shared secret; empty (peers prove only that they know the job id) or shorter than
 *                         {@value #MIN_SECRET_BYTES} bytes only when every peer is on loopback
 * @param buildId          peers must report the same build id (and protocol version) or are refused
 * @param mtuBytes         UDP datagram size of the channels (65504 suits loopback)
 * @param termBytes        Aeron term length per publication; the largest single Aeron message is an eighth of it
 * @param maxFrameBytes    cap on one runtime frame, checked before allocating its reassembly buffer
 * @param maxIdleParkNs    longest park of the idle polling and driver threads
 * @param aeronDirRoot     where the per-rank Aeron directory is made (/dev/shm when it exists)
 * @param sharedDir        empty: the rank embeds its own media driver and reaches every peer over UDP; else the private
 *                         directory of the media driver the job's ranks on this host share (its launcher runs it,
 *                         {@link EmbeddedAeron#launchDriver}): the rank is a client of it and reaches every peer over
 *                         Aeron IPC (shared memory) when they are among {@code ipcRanks}
 * @param ipcRanks         the ranks (this one among them) that are clients of the media driver in {@code sharedDir} and
 *                         reach each other over IPC; the others are reached over UDP through the same driver. Empty
 *                         when {@code sharedDir} is; every rank when the whole job runs on one host ({@code -np})
 */
public record AeronSettings(int rank, int size, long jobId, List<InetSocketAddress> peers, byte[] secret,
                            short protocolVersion, String buildId, int mtuBytes, int termBytes, int maxFrameBytes,
                            long heartbeatNs, long heartbeatTimeoutNs, long connectTimeoutNs, long closeLingerNs,
                            long maxIdleParkNs, String aeronDirRoot, String sharedDir,
                            Set<Integer> ipcRanks) {
    public static final String HEARTBEAT_ENV = "BIND_HEARTBEAT_MS";
    public static final long HEARTBEAT_MS_DEFAULT = 1_000;
    public static final String HEARTBEAT_TIMEOUT_ENV = "BIND_HEARTBEAT_TIMEOUT_MS";
    public static final long HEARTBEAT_TIMEOUT_MS_DEFAULT = 5_000;
    public static final String CONNECT_TIMEOUT_ENV = "BIND_CONNECT_TIMEOUT_MS";
    public static final long CONNECT_TIMEOUT_MS_DEFAULT = 30_000;
    public static final String MTU_ENV = "BIND_AERON_MTU";
    public static final int MTU_DEFAULT = 65_504;
    public static final String TERM_ENV = "BIND_AERON_TERM_BYTES";
    public static final int TERM_DEFAULT = 16 << 20;
    public static final String MAX_FRAME_ENV = "BIND_AERON_MAX_FRAME_BYTES";
    public static final int MAX_FRAME_DEFAULT = 256 << 20;
    public static final String DIR_ENV = "BIND_AERON_DIR";
    /** Longest park of an idle polling or driver thread: the idle CPU cost against the wake-up latency. */
    public static final String MAX_IDLE_PARK_ENV = "BIND_AERON_IDLE_PARK_US";
    public static final long MAX_IDLE_PARK_US_DEFAULT = 1_000;
    /** The directory of the job's shared media driver ({@link #sharedDir}); set by the launcher. */
    public static final String SHARED_DIR_ENV = "BIND_AERON_SHARED_DIR";
    /** {@code false}: the launcher starts no shared driver, and its ranks talk UDP on loopback as across hosts. */
    public static final String IPC_ENV = "BIND_AERON_IPC";
    /**
     * {@code true}: once connected, each rank says on stderr over which path (IPC or UDP) it reaches each peer
     * (property {@code bind.aeron.verbose}).
     */
    public static final String VERBOSE_ENV = "BIND_AERON_VERBOSE";
    /** Shortest secret accepted when a peer is not on loopback (launchers make 32 random bytes). */
    public static final int MIN_SECRET_BYTES = 16;
    /** The transport's own wire protocol (handshake, heartbeats, pieces); runtime frames carry their own. */
    public static final short PROTOCOL_VERSION = 3;
    /**
     * {@code true}: every runtime frame between ranks carries a MAC ({@link FrameMac}) and one failing it is dropped;
     * every rank of a job must agree (property {@code bind.wire.mac}).
     */
    public static final String WIRE_MAC_ENV = "BIND_WIRE_MAC";
    /** Set in the protocol version a rank announces when its frames carry MACs: peers that disagree are refused. */
    public static final short WIRE_MAC_PROTOCOL_FLAG = 0x100;

    public AeronSettings {
        if (size < 1 || rank < 0 || rank >= size) {
            throw new TransportException("rank " + rank + " out of range [0, " + size + ")");
        }
        if (peers.size() != size) {
            throw new TransportException(size + " ranks but " + peers.size() + " peer endpoints");
        }
        peers = List.copyOf(peers);
        secret = secret.clone();
        sharedDir = sharedDir == null ? "" : sharedDir;
        ipcRanks = sharedDir.isEmpty() ? Set.of() : Set.copyOf(ipcRanks);
        if (!sharedDir.isEmpty() && !ipcRanks.contains(rank)) {
            throw new TransportException("rank " + rank + " is a client of the media driver in " + sharedDir
                + " but not among the ranks that share it " + new TreeSet<>(ipcRanks));
        }
        for (int r : ipcRanks) {
            if (r < 0 || r >= size) {
                throw new TransportException("rank " + r + " sharing a media driver is out of range [0, " + size + ")");
            }
        }
        if (secret.length < MIN_SECRET_BYTES) {
            for (InetSocketAddress peer : peers) {
                if (!isLoopback(peer.getHostString())) {
                    throw new TransportException("a secret of " + secret.length + " bytes is refused for a job with"
                        + " peers on other hosts (rank " + peers.indexOf(peer) + " at " + peer.getHostString() + ":"
                        + peer.getPort() + "): BIND_SECRET must hold at least " + MIN_SECRET_BYTES + " bytes");
                }
            }
        }
        if (heartbeatNs <= 0 || heartbeatTimeoutNs <= heartbeatNs) {
            throw new TransportException("heartbeat period " + heartbeatNs + " ns must be positive and below the timeout "
                + heartbeatTimeoutNs + " ns");
        }
        if (termBytes < 64 * 1024 || Integer.bitCount(termBytes) != 1) {
            throw new TransportException("term length " + termBytes + " must be a power of two of at least 64 KiB");
        }
        if (mtuBytes < 128 || mtuBytes > 65_504 || mtuBytes % 32 != 0) {
            throw new TransportException("MTU " + mtuBytes + " must be a multiple of 32 in [128, 65504]");
        }
    }

    /** Defaults for a job, tuning from {@code tuning} (environment) and system properties. */
    public static AeronSettings of(int rank, int size, long jobId, List<InetSocketAddress> peers, byte[] secret,
                                   Map<String, String> tuning) {
        String root = setting(tuning, DIR_ENV, new File("/dev/shm").isDirectory() ? "/dev/shm"
            : System.getProperty("java.io.tmpdir"));
        String mac = setting(tuning, WIRE_MAC_ENV, "false").trim();
        if (!mac.equals("true") && !mac.equals("false")) {
            throw new TransportException(WIRE_MAC_ENV + "='" + mac + "' is neither true nor false");
        }
        short protocol = (short) (PROTOCOL_VERSION | (mac.equals("true") ? WIRE_MAC_PROTOCOL_FLAG : 0));
        return new AeronSettings(rank, size, jobId, peers, secret, protocol, defaultBuildId(),
            (int) number(tuning, MTU_ENV, MTU_DEFAULT), (int) number(tuning, TERM_ENV, TERM_DEFAULT),
            (int) number(tuning, MAX_FRAME_ENV, MAX_FRAME_DEFAULT),
            TimeUnit.MILLISECONDS.toNanos(number(tuning, HEARTBEAT_ENV, HEARTBEAT_MS_DEFAULT)),
            TimeUnit.MILLISECONDS.toNanos(number(tuning, HEARTBEAT_TIMEOUT_ENV, HEARTBEAT_TIMEOUT_MS_DEFAULT)),
            TimeUnit.MILLISECONDS.toNanos(number(tuning, CONNECT_TIMEOUT_ENV, CONNECT_TIMEOUT_MS_DEFAULT)),
            TimeUnit.SECONDS.toNanos(2),
            TimeUnit.MICROSECONDS.toNanos(number(tuning, MAX_IDLE_PARK_ENV, MAX_IDLE_PARK_US_DEFAULT)), root,
            setting(tuning, SHARED_DIR_ENV, ""), allRanks(size));
    }

    /** Whether runtime frames between ranks carry MACs ({@link #WIRE_MAC_ENV}). */
    public boolean wireMac() {
        return (protocolVersion & WIRE_MAC_PROTOCOL_FLAG) != 0;
    }

    /** The version of the bind-mpi jar, or {@code dev} when run from classes. */
    public static String defaultBuildId() {
        String version = AeronSettings.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }

    public AeronSettings withIdentity(short protocolVersion, String buildId) {
        return new AeronSettings(rank, size, jobId, peers, secret, protocolVersion, buildId, mtuBytes, termBytes,
            maxFrameBytes, heartbeatNs, heartbeatTimeoutNs, connectTimeoutNs, closeLingerNs, maxIdleParkNs, aeronDirRoot,
            sharedDir, ipcRanks);
    }

    public AeronSettings withSecret(byte[] secret) {
        return new AeronSettings(rank, size, jobId, peers, secret, protocolVersion, buildId, mtuBytes, termBytes,
            maxFrameBytes, heartbeatNs, heartbeatTimeoutNs, connectTimeoutNs, closeLingerNs, maxIdleParkNs, aeronDirRoot,
            sharedDir, ipcRanks);
    }

    public AeronSettings withTimeouts(long heartbeatMs, long heartbeatTimeoutMs, long connectTimeoutMs) {
        return new AeronSettings(rank, size, jobId, peers, secret, protocolVersion, buildId, mtuBytes, termBytes,
            maxFrameBytes, TimeUnit.MILLISECONDS.toNanos(heartbeatMs), TimeUnit.MILLISECONDS.toNanos(heartbeatTimeoutMs),
            TimeUnit.MILLISECONDS.toNanos(connectTimeoutMs), closeLingerNs, maxIdleParkNs, aeronDirRoot, sharedDir,
            ipcRanks);
    }

    /** The same settings with every rank of the job sharing the media driver of the private directory {@code dir}. */
    public AeronSettings withSharedDir(String dir) {
        return withSharedDir(dir, allRanks(size));
    }

    /**
     * The same settings with the ranks {@code sameHost} (this one among them) sharing the media driver of the private
     * directory {@code dir} and reaching each other over IPC; the others over UDP, through that driver.
     */
    public AeronSettings withSharedDir(String dir, Set<Integer> sameHost) {
        return new AeronSettings(rank, size, jobId, peers, secret, protocolVersion, buildId, mtuBytes, termBytes,
            maxFrameBytes, heartbeatNs, heartbeatTimeoutNs, connectTimeoutNs, closeLingerNs, maxIdleParkNs, aeronDirRoot,
            dir, sameHost);
    }

    /** Whether the rank is a client of a media driver its host's ranks share (and reaches some peers over IPC). */
    public boolean ipc() {
        return !sharedDir.isEmpty();
    }

    /** Whether this rank reaches {@code peer} over Aeron IPC (both are clients of one shared driver). */
    public boolean ipcTo(int peer) {
        return ipcRanks.contains(peer);
    }

    /** Whether some peer is reached over UDP (not every rank shares this rank's driver). */
    public boolean anyUdp() {
        return ipcRanks.size() < size;
    }

    /** Whether some peer is reached over IPC. */
    public boolean anyIpc() {
        return ipcRanks.size() > 1;
    }

    private static Set<Integer> allRanks(int size) {
        return IntStream.range(0, size).boxed().collect(Collectors.toUnmodifiableSet());
    }

    /**
     * The private directory of the media driver that the ranks of job {@code jobId} on this host share: under the same
     * root as the ranks' own directories and with the same prefix, so that launchers clean it up with them.
     */
    public File jobSharedDir() {
        return new File(aeronDirRoot, dirPrefix(jobId) + "shared");
    }

    /** Whether ranks say which path they reach each peer over ({@link #VERBOSE_ENV}). */
    public static boolean verbose(Map<String, String> tuning) {
        return setting(tuning, VERBOSE_ENV, "false").trim().equals("true");
    }

    /**
     * The private directory of the media driver that the ranks of job {@code jobId} on host {@code hostIndex} share
     * ({@link HostDriver}); the same prefix as the ranks' own directories, so that launchers clean it up with them.
     */
    public File hostSharedDir(int hostIndex) {
        return new File(aeronDirRoot, dirPrefix(jobId) + "host" + hostIndex);
    }

    /** Whether a launcher that starts ranks on this host should run a shared driver for them ({@link #IPC_ENV}). */
    public static boolean ipcWanted(Map<String, String> tuning) {
        String value = setting(tuning, IPC_ENV, "true").trim();
        if (!value.equals("true") && !value.equals("false")) {
            throw new TransportException(IPC_ENV + "='" + value + "' is neither true nor false");
        }
        return value.equals("true");
    }

    /**
     * This rank's Aeron directory: unique per job and rank. Its name does not show the job id (other users can list
     * /dev/shm); {@link EmbeddedAeron} makes it readable by its owner only.
     */
    public File aeronDir() {
        return new File(aeronDirRoot, dirPrefix(jobId) + rank);
    }

    /**
     * The start of the Aeron directory names of every rank of {@code jobId} (launchers clean them up): a digest of
     * the job id, from which the id cannot be recovered.
     */
    public static String dirPrefix(long jobId) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update("bind-aeron-dir".getBytes(StandardCharsets.US_ASCII));
            byte[] id = new byte[Long.BYTES];
            for (int i = 0; i < id.length; i++) {
                id[i] = (byte) (jobId >>> (8 * i));
            }
            return "bind-aeron-" + HexFormat.of().formatHex(sha.digest(id), 0, 8) + "-";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    /** Whether {@code host} is loopback: {@code localhost} or a loopback literal (no name is looked up). */
    private static boolean isLoopback(String host) {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!host.matches("[0-9.]+|\\[?[0-9a-fA-F:]+]?")) {
            return false;   // a host name other than localhost: resolved elsewhere, treated as another host
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();   // a literal: no name lookup
        } catch (UnknownHostException e) {
            return false;
        }
    }

    static String setting(Map<String, String> tuning, String envName, String fallback) {
        String value = tuning.get(envName);
        if (value == null || value.isEmpty()) {
            value = System.getProperty(envName.toLowerCase(java.util.Locale.ROOT).replace('_', '.'));
        }
        return value == null || value.isEmpty() ? fallback : value;
    }

    static long number(Map<String, String> tuning, String envName, long fallback) {
        String value = setting(tuning, envName, null);
        if (value == null) {
            return fallback;
        }
        try {
            long parsed = Long.parseLong(value.trim());
            if (parsed <= 0) {
                throw new NumberFormatException("not positive");
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new TransportException(envName + "='" + value + "' is not a positive number");
        }
    }
}
