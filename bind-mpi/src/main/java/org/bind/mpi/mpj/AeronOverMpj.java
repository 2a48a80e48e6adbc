package org.bind.mpi.mpj;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import mpi.Intracomm;
import mpi.MPI;
import org.bind.mpi.aeron.AeronSettings;
import org.bind.mpi.aeron.AeronTransport;
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
 * text of the file {@value #SECRET_FILE_PROP_NAME} (the launcher writes it, readable by the owner only), else a
 * random secret rank 0 draws and broadcasts over MPJ.
 */
final class AeronOverMpj {
    static final String ADDRESS_PROP_NAME = "bind.aeron.address";
    static final String HOSTS_PROP_NAME = "bind.aeron.hosts";
    static final String SECRET_FILE_PROP_NAME = "bind.secret.file";
    /** Bytes per rank in the endpoint exchange: a length byte, then {@code host:port} in UTF-8. */
    private static final int SLOT_BYTES = 256;
    private static final int SECRET_BYTES = 32;
    private static final long FINALIZE_TIMEOUT_MS = 10_000;

    private AeronOverMpj() {
    }

    /** Joins over Aeron; {@code world} has been initialized and {@code jobId} agreed. */
    static Transport join(Intracomm world, int rank, int size, long jobId) {
        InetAddress address = listenAddress();
        int port = freeUdpPort(address);
        byte[] own = (address.getHostAddress() + ":" + port).getBytes(StandardCharsets.UTF_8);
        byte[] slot = new byte[SLOT_BYTES];
        slot[0] = (byte) own.length;
        System.arraycopy(own, 0, slot, 1, own.length);
        byte[] all = new byte[SLOT_BYTES * size];
        world.Allgather(slot, 0, SLOT_BYTES, MPI.BYTE, all, 0, SLOT_BYTES, MPI.BYTE);
        List<InetSocketAddress> peers = new ArrayList<>(size);
        for (int r = 0; r < size; r++) {
            int length = all[r * SLOT_BYTES] & 0xff;
            if (length == 0 || length >= SLOT_BYTES) {
                throw new TransportException("rank " + r + " sent an endpoint of " + length + " bytes in the MPJ exchange");
            }
            String text = new String(all, r * SLOT_BYTES + 1, length, StandardCharsets.UTF_8);
            int colon = text.lastIndexOf(':');
            peers.add(InetSocketAddress.createUnresolved(text.substring(0, colon),
                Integer.parseInt(text.substring(colon + 1))));
        }
        byte[] secret = secret(world, rank);
        AeronSettings settings = AeronSettings.of(rank, size, jobId, peers, secret, System.getenv());
        AeronTransport aeron = new AeronTransport(settings);
        try {
            aeron.awaitConnected();
        } catch (RuntimeException e) {
            aeron.close();
            throw e;
        }
        return new Finalizing(aeron);
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
        Set<InetAddress> local = localAddresses();
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

    private static Set<InetAddress> localAddresses() {
        Set<InetAddress> addresses = new LinkedHashSet<>();
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (nic.isUp()) {
                    addresses.addAll(Collections.list(nic.getInetAddresses()));
                }
            }
        } catch (SocketException e) {
            throw new TransportException("cannot list this host's network interfaces: " + e.getMessage(), e);
        }
        return addresses;
    }

    private static int freeUdpPort(InetAddress address) {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(address, 0))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new TransportException("cannot bind a UDP port on " + address.getHostAddress() + ": " + e.getMessage(), e);
        }
    }

    private static byte[] secret(Intracomm world, int rank) {
        String file = System.getProperty(SECRET_FILE_PROP_NAME, "").trim();
        if (!file.isEmpty()) {
            try {
                String text = Files.readString(Path.of(file), StandardCharsets.US_ASCII).strip();
                byte[] secret = HexFormat.of().parseHex(text);
                if (secret.length < 16) {
                    throw new TransportException(SECRET_FILE_PROP_NAME + " " + file + " holds " + secret.length
                        + " bytes; at least 16 are needed");
                }
                return secret;
            } catch (IOException e) {
                throw new UncheckedIOException(SECRET_FILE_PROP_NAME + " " + file + " is not readable", e);
            } catch (IllegalArgumentException e) {
                throw new TransportException(SECRET_FILE_PROP_NAME + " " + file + " is not hexadecimal text");
            }
        }
        byte[] secret = new byte[SECRET_BYTES];
        if (rank == 0) {
            new SecureRandom().nextBytes(secret);
        }
        world.Bcast(secret, 0, SECRET_BYTES, MPI.BYTE, 0);
        return secret;
    }

    /** Aeron's transport, then {@code MPI.Finalize} on close when every peer stayed. */
    private static final class Finalizing implements Transport {
        private final AeronTransport aeron;
        private final AtomicBoolean peerLost = new AtomicBoolean();
        private final AtomicBoolean closed = new AtomicBoolean();

        Finalizing(AeronTransport aeron) {
            this.aeron = aeron;
        }

        @Override
        public int rank() {
            return aeron.rank();
        }

        @Override
        public int size() {
            return aeron.size();
        }

        @Override
        public void start(Receiver receiver) {
            aeron.start(new Receiver() {
                @Override
                public void onFrame(int fromRank, ByteBuffer frame) {
                    receiver.onFrame(fromRank, frame);
                }

                @Override
                public void onPeerLost(int lostRank, String reason) {
                    peerLost.set(true);
                    receiver.onPeerLost(lostRank, reason);
                }
            });
        }

        @Override
        public void send(int toRank, ByteBuffer frame) {
            aeron.send(toRank, frame);
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
