package org.bind.mpi.mpj;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import mpi.Intracomm;
import mpi.MPI;
import org.bind.mpi.aeron.AeronForwarding;
import org.bind.mpi.aeron.AeronSettings;
import org.bind.mpi.aeron.AeronTransport;
import org.bind.mpi.aeron.EmbeddedAeron;
import org.bind.mpi.aeron.HostDriver;
import org.bind.mpi.aeron.HostPlacement;
import org.bind.mpi.aeron.LocalAddresses;
import org.bind.transport.Transport;
import org.bind.transport.TransportException;

/**
 * MPJ Express as the bootstrap, Aeron as the data plane ({@code -Dbind.mpj.data=aeron}): every rank picks a UDP
 * endpoint on the address its peers reach it at, the endpoints are exchanged with one {@code Allgather}, and the
 * ranks then talk over Aeron (UDP between hosts, with the per-job HMAC handshake). MPJ stays idle until close, when
 * {@code MPI.Finalize} runs unless a rank was lost.
 *
 * <p>The listening address: {@value #ADDRESS_PROP_NAME} when set; else the first address of this host among
 * {@value #HOSTS_PROP_NAME} (the job's machines, as the launcher lists them); else loopback. The secret: the hex
 * text of the file {@value #SECRET_FILE_PROP_NAME} (the launcher writes it), readable by its owner only; without
 * it joining fails and says how to make one (MPJ's messages are not encrypted, so the secret never travels over
 * them).
 *
 * <p>Ranks on one host: when the launcher says where it placed the ranks ({@value HostPlacement#PROP_NAME}, indexes
 * into {@value #HOSTS_PROP_NAME}), the ranks it placed on one host share one media driver, which the lowest of them
 * starts as a process of its own before the exchange ({@link HostDriver}); they reach each other over Aeron IPC and
 * the ranks of other hosts over UDP, through that driver. A rank checks that it runs where it was placed (its host's
 * entry names one of its addresses) and fails, naming both, when it does not. A host with one rank keeps its own
 * driver, as without a placement.
 */
final class AeronOverMpj {
    static final String ADDRESS_PROP_NAME = "bind.aeron.address";
    static final String HOSTS_PROP_NAME = "bind.aeron.hosts";
    static final String SECRET_FILE_PROP_NAME = "bind.secret.file";
    /** Bytes per rank in an exchange: a kind, a length (2 bytes), then an endpoint or a failure in UTF-8. */
    private static final int SLOT_BYTES = 512;
    private static final byte SLOT_OK = 1;
    private static final byte SLOT_FAILED = 2;
    private static final long FINALIZE_TIMEOUT_MS = 10_000;

    private AeronOverMpj() {
    }

    /**
     * Joins over Aeron; {@code world} has been initialized and {@code jobId} agreed. Every step that can fail on one
     * rank is followed by a collective in which each rank reports its endpoint or its failure, so that a rank that
     * cannot join (no secret, no address, Aeron's driver would not start) makes every rank fail, naming it, instead
     * of leaving the others in a collective it never enters.
     */
    static Transport join(Intracomm world, int rank, int size, long jobId) {
        String own;
        byte[] secret = null;
        RuntimeException failure = null;
        HostPlacement placement = null;
        Process startedDriver = null;
        AeronSettings tuning = null;
        try {
            EmbeddedAeron.grantJdkAccess();
            // the driver's tuning only (endpoints and secret come below): the same for every rank of the host
            tuning = AeronSettings.of(rank, size, jobId, Collections.nCopies(size,
                InetSocketAddress.createUnresolved("localhost", 1)), new byte[0], System.getenv());
            InetAddress address = listenAddress();
            own = address.getHostAddress() + ":" + LocalAddresses.freeUdpPort(address);
            secret = secret();
            placement = HostSharing.placement(size);
            if (placement != null && placement.sameHost(rank).size() > 1) {
                HostSharing.checkPlaced(placement, rank);
                if (rank == placement.sameHost(rank).iterator().next()) {
                    startedDriver = HostDriver.start(HostSharing.hostDir(tuning, placement, rank),
                        placement.sameHost(rank), tuning, HostSharing.driverFlags());
                }
            }
        } catch (RuntimeException e) {
            failure = e;
            own = null;
        }
        String[] endpoints;
        try {
            endpoints = exchange(world, rank, size, own, failure);   // the host's driver is starting meanwhile
        } catch (RuntimeException e) {
            HostSharing.stopDriver(startedDriver, tuning, placement, rank);
            throw e;
        }
        List<InetSocketAddress> peers = new ArrayList<>(size);
        for (String text : endpoints) {
            int colon = text.lastIndexOf(':');
            peers.add(InetSocketAddress.createUnresolved(text.substring(0, colon),
                Integer.parseInt(text.substring(colon + 1))));
        }
        AeronTransport aeron = null;
        try {
            AeronSettings settings = AeronSettings.of(rank, size, jobId, peers, secret, System.getenv());
            HostDriver share = null;
            if (placement != null && placement.sameHost(rank).size() > 1) {
                File dir = HostSharing.hostDir(tuning, placement, rank);
                share = HostDriver.attach(dir, rank, startedDriver, settings.connectTimeoutNs());
                settings = settings.withSharedDir(dir.getPath(), placement.sameHost(rank));
            }
            aeron = new AeronTransport(settings, share);
        } catch (RuntimeException e) {
            failure = e;
            HostSharing.stopDriver(startedDriver, tuning, placement, rank);
        }
        try {
            exchange(world, rank, size, "started", failure);
            aeron.awaitConnected();
        } catch (RuntimeException e) {
            if (aeron != null) {
                aeron.close();
            }
            throw e;
        }
        return new Finalizing(aeron);
    }

    /**
     * One {@code Allgather}: each rank gives {@code text}, or its failure; returns every rank's text, or throws
     * this rank's failure or a {@link TransportException} naming the first rank that failed.
     */
    private static String[] exchange(Intracomm world, int rank, int size, String text, RuntimeException failure) {
        String message = failure == null ? text : String.valueOf(failure.getMessage() == null ? failure
            : failure.getMessage());
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        int length = Math.min(bytes.length, SLOT_BYTES - 3);
        byte[] slot = new byte[SLOT_BYTES];
        slot[0] = failure == null ? SLOT_OK : SLOT_FAILED;
        slot[1] = (byte) (length >>> 8);
        slot[2] = (byte) length;
        System.arraycopy(bytes, 0, slot, 3, length);
        byte[] all = new byte[SLOT_BYTES * size];
        world.Allgather(slot, 0, SLOT_BYTES, MPI.BYTE, all, 0, SLOT_BYTES, MPI.BYTE);
        if (failure != null) {
            throw failure;
        }
        String[] texts = new String[size];
        for (int r = 0; r < size; r++) {
            int at = r * SLOT_BYTES;
            int got = ((all[at + 1] & 0xff) << 8) | (all[at + 2] & 0xff);
            if (got > SLOT_BYTES - 3 || (all[at] != SLOT_OK && all[at] != SLOT_FAILED)) {
                throw new TransportException("rank " + r + " sent a malformed entry in the MPJ exchange");
            }
            texts[r] = new String(all, at + 3, got, StandardCharsets.UTF_8);
            if (all[at] == SLOT_FAILED) {
                throw new TransportException("rank " + r + " could not join the job over Aeron: " + texts[r]);
            }
        }
        return texts;
    }

    /** Where this rank listens (see the class comment). */
    static InetAddress listenAddress() {
        String configured = System.getProperty(ADDRESS_PROP_NAME, "").trim();
        if (!configured.isEmpty()) {
            try {
                return InetAddress.getByName(configured);
            } catch (UnknownHostException e) {
                throw new TransportException(ADDRESS_PROP_NAME + "=" + configured + " does not resolve");
            }
        }
        String hosts = System.getProperty(HOSTS_PROP_NAME, "").trim();
        if (hosts.isEmpty()) {
            return InetAddress.getLoopbackAddress();
        }
        Set<InetAddress> local = LocalAddresses.ofThisHost();
        List<InetAddress> named = new ArrayList<>();
        for (String host : hosts.split(",")) {
            if (host.isBlank()) {
                continue;
            }
            try {
                Collections.addAll(named, InetAddress.getAllByName(host.trim()));
            } catch (UnknownHostException e) {
                throw new TransportException("job host '" + host.trim() + "' (" + HOSTS_PROP_NAME + ") does not resolve");
            }
        }
        InetAddress loopback = null;
        for (InetAddress candidate : named) {
            if (local.contains(candidate)) {
                if (!candidate.isLoopbackAddress()) {
                    return candidate;
                }
                loopback = loopback == null ? candidate : loopback;
            }
        }
        if (loopback != null) {
            return loopback;
        }
        throw new TransportException("none of this host's addresses " + local + " is among the job's hosts [" + hosts
            + "]: set -D" + ADDRESS_PROP_NAME + "=<the address other hosts reach this one at>");
    }

    /**
     * The job's secret: the hex text of the file {@value #SECRET_FILE_PROP_NAME}, which must be readable by its owner
     * only. Never sent over MPJ, whose messages are neither encrypted nor authenticated.
     */
    static byte[] secret() {
        String file = System.getProperty(SECRET_FILE_PROP_NAME, "").trim();
        if (file.isEmpty()) {
            throw new TransportException("the Aeron data plane (" + MpjJoin.DATA_PROP_NAME + "=aeron) needs the job's"
                + " secret in a file every rank reads and only you can: create one with `(umask 077; od -An -N32 -tx1"
                + " /dev/urandom | tr -d ' \\n' > $HOME/.bind-secret)` and pass -D" + SECRET_FILE_PROP_NAME
                + "=$HOME/.bind-secret (bin/bindrun does this for you); the secret is not sent over MPJ, which does not"
                + " encrypt");
        }
        Path path = Path.of(file);
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path);
            for (PosixFilePermission p : permissions) {
                if (p.name().startsWith("GROUP") || p.name().startsWith("OTHERS")) {
                    throw new TransportException(SECRET_FILE_PROP_NAME + " " + file + " is readable by others ("
                        + PosixFilePermissions.toString(permissions) + "): chmod 600 " + file);
                }
            }
            String text = Files.readString(path, StandardCharsets.US_ASCII).strip();
            byte[] secret = HexFormat.of().parseHex(text);
            if (secret.length < 16) {
                throw new TransportException(SECRET_FILE_PROP_NAME + " " + file + " holds " + secret.length
                    + " bytes; at least 16 are needed");
            }
            return secret;
        } catch (UnsupportedOperationException | IOException e) {
            throw new TransportException(SECRET_FILE_PROP_NAME + " " + file + " is not readable: " + e, e);
        } catch (IllegalArgumentException e) {
            throw new TransportException(SECRET_FILE_PROP_NAME + " " + file + " is not hexadecimal text");
        }
    }

    /** Aeron's transport, then {@code MPI.Finalize} on close when every peer stayed. */
    private static final class Finalizing extends AeronForwarding {
        private final AeronTransport aeron;
        private final AtomicBoolean peerLost = new AtomicBoolean();
        private final AtomicBoolean closed = new AtomicBoolean();

        Finalizing(AeronTransport aeron) {
            this.aeron = aeron;
        }

        @Override
        public AeronTransport aeron() {
            return aeron;
        }

        @Override
        protected void peerLost(int lostRank) {
            peerLost.set(true);
        }

        /** Closes Aeron; then {@code MPI.Finalize}, skipped when a rank was lost and bounded in time otherwise. */
        @Override
        public void close() {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            aeron.close();
            if (peerLost.get()) {
                System.err.println("bind: rank " + aeron.rank() + " closed without MPI.Finalize: a rank was lost");
                return;
            }
            Thread finalizer = new Thread(() -> {
                try {
                    MPI.Finalize();
                    RankGuard.finalized();
                } catch (Throwable t) {
                    System.err.println("bind: rank " + aeron.rank() + ": MPI.Finalize failed: " + t);
                }
            }, "bind-mpj-finalize");
            finalizer.setDaemon(true);
            finalizer.start();
            try {
                finalizer.join(FINALIZE_TIMEOUT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (finalizer.isAlive()) {
                System.err.println("bind: rank " + aeron.rank() + ": MPI.Finalize did not return within "
                    + TimeUnit.MILLISECONDS.toSeconds(FINALIZE_TIMEOUT_MS) + " s; leaving it");
            }
        }
    }
}
