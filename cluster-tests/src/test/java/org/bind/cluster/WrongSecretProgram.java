package org.bind.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.bind.Bind;
import org.bind.BindException;
import org.bind.mpi.aeron.AeronSettings;
import org.bind.mpi.aeron.AeronTransport;
import org.bind.mpi.aeron.AeronTransportFactory;

/**
 * A job in which rank {@code args[0]} (the intruder) holds a different secret than the one the launcher gave the
 * job. The other ranks join with {@code Bind.init(args)}. The intruder waits until every other rank's media driver
 * listens on its port (seen in /proc/net/udp), starts its Aeron transport with one bit of {@code BIND_SECRET}
 * flipped, and then joins as {@code Bind.init} would. Every rank prints, in wall-clock milliseconds (one clock for
 * every process of the host), {@code rank R joining at T} before joining, the intruder also
 * {@code rank R listening at T} once its transport is up, and {@code rank R refused at T: message} when joining
 * failed (then rethrows: status 1), or {@code rank R joined} (status 0).
 */
public final class WrongSecretProgram {
    private WrongSecretProgram() {
    }

    public static void main(String[] args) throws InterruptedException {
        int intruder = Integer.parseInt(args[0]);
        int rank = Integer.parseInt(System.getenv(AeronTransportFactory.RANK_ENV));
        ProgramSupport.announce();
        Map<String, String> environment = new HashMap<>(System.getenv());
        if (rank == intruder) {
            byte[] secret = HexFormat.of().parseHex(environment.get(AeronTransportFactory.SECRET_ENV));
            secret[0] ^= 1;
            environment.put(AeronTransportFactory.SECRET_ENV, HexFormat.of().formatHex(secret));
            awaitOtherRanksListening(environment.get(AeronTransportFactory.PEERS_ENV).split(","), rank);
        }
        System.out.println("rank " + rank + " joining at " + System.currentTimeMillis());
        try {
            Bind bind;
            if (rank == intruder) {
                AeronSettings settings = AeronTransportFactory.settings(environment);
                AeronTransport transport = new AeronTransport(settings);
                System.out.println("rank " + rank + " listening at " + System.currentTimeMillis());
                try {
                    transport.awaitConnected();
                } catch (RuntimeException e) {
                    transport.close();
                    throw e;
                }
                bind = Bind.init(new Bind.Context().transport(transport).jobId(settings.jobId()));
            } else {
                bind = Bind.init(args);
            }
            System.out.println("rank " + rank + " joined");
            bind.close();
        } catch (BindException e) {
            System.out.println("rank " + rank + " refused at " + System.currentTimeMillis() + ": " + e.getMessage());
            throw e;
        }
    }

    /** Waits until the UDP port of every other rank is taken (its media driver is up). */
    private static void awaitOtherRanksListening(String[] peers, int rank) throws InterruptedException {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int r = 0; r < peers.length; r++) {
            String peer = peers[r].trim();
            int port = Integer.parseInt(peer.substring(peer.lastIndexOf(':') + 1));
            while (r != rank && isFree(port)) {
                if (System.nanoTime() > deadlineNs) {
                    throw new IllegalStateException("rank " + r + " did not listen on " + peer + " within 60 s");
                }
                Thread.sleep(20);
            }
        }
    }

    /** Whether no UDP socket is bound to {@code port}, read from /proc/net/udp (probing by binding could steal it). */
    private static boolean isFree(int port) {
        String local = String.format(":%04X ", port);
        try {
            return Files.readAllLines(Path.of("/proc/net/udp")).stream().skip(1)
                .noneMatch(line -> line.trim().split("\\s+")[1].concat(" ").endsWith(local));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/net/udp", e);
        }
    }
}
