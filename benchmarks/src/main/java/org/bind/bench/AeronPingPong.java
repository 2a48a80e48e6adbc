package org.bind.bench;

import java.io.File;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import org.agrona.IoUtil;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.bind.mpi.aeron.AeronSettings;
import org.bind.mpi.aeron.AeronTransportFactory;
import org.bind.mpi.aeron.EmbeddedAeron;

/**
 * Raw Aeron ping-pong for {@code bin/bench transfer}: the same driver, channel, MTU, term length and idle strategy as
 * Bind's transport, no Bind. Started as two processes by the launcher (rank, peers from the environment the launcher
 * sets): when the launcher runs a shared media driver ({@link AeronSettings#ipc}), both processes are its clients and
 * talk {@code aeron:ipc} (exclusive publications, as Bind's ranks); otherwise each embeds its own driver and they talk
 * UDP on loopback. Each message of SIZE bytes goes as pieces of the largest Aeron message and is
 * copied into a receive array (as a program receiving data would). Rank 0 prints
 * {@code TRANSFER aeron bytes=B gb_s=G}: the median over REPS of bytes delivered per second, both directions, after
 * WARMUP_REPS untimed repetitions (default 0: two round trips only).
 */
public final class AeronPingPong {
    private static final long BYTES_PER_REP = 256L << 20;
    private static final int STREAM_ID = 0x50494E47;
    /** A receive that gets nothing for this long fails: the peer is gone. */
    private static final long STALL_MS = 60_000;

    private AeronPingPong() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 3) {
            throw new IllegalArgumentException("usage: AeronPingPong SIZE_BYTES[,SIZE...] REPS [WARMUP_REPS] (under the"
                + " launcher)");
        }
        Map<String, String> env = System.getenv();
        AeronSettings settings = AeronTransportFactory.settings(env);
        if (settings.size() != 2) {
            throw new IllegalArgumentException("AeronPingPong runs on 2 ranks, not " + settings.size());
        }
        int rank = settings.rank();
        boolean ipc = settings.ipc();
        File dir = ipc ? new File(settings.sharedDir()) : new File(settings.aeronDir().getPath() + "-raw");
        MediaDriver driver = ipc ? null : EmbeddedAeron.launchDriver(settings, dir, Throwable::printStackTrace);
        try (Aeron aeron = EmbeddedAeron.connect(dir, Throwable::printStackTrace)) {
            Subscription in = ipc ? aeron.addSubscription("aeron:ipc", STREAM_ID + rank)
                : aeron.addSubscription(channel(settings, rank), STREAM_ID);
            Publication out = ipc ? aeron.addExclusivePublication("aeron:ipc?term-length=" + settings.termBytes()
                + "|mtu=" + settings.mtuBytes(), STREAM_ID + 1 - rank)
                : aeron.addPublication(channel(settings, 1 - rank), STREAM_ID);
            IdleStrategy idle = EmbeddedAeron.idleStrategy(settings);
            while (!out.isConnected() || !in.isConnected()) {
                idle.idle();
            }
            int reps = Integer.parseInt(args[1]);
            int warmupReps = args.length > 2 ? Integer.parseInt(args[2]) : 0;
            for (String text : args[0].split(",")) {
                int bytes = Integer.parseInt(text.trim());
                byte[] send = new byte[bytes];
                byte[] receive = new byte[bytes];
                int steps = (int) Math.max(2, BYTES_PER_REP / (2L * bytes));
                exchange(rank, out, in, idle, send, receive, 2);
                for (int rep = 0; rep < warmupReps; rep++) {
                    exchange(rank, out, in, idle, send, receive, steps); // untimed, as TransferProgram's
                }
                double[] rates = new double[reps];
                for (int rep = 0; rep < reps; rep++) {
                    long startNs = System.nanoTime();
                    exchange(rank, out, in, idle, send, receive, steps);
                    rates[rep] = 2.0 * steps * bytes / (System.nanoTime() - startNs);
                }
                Arrays.sort(rates);
                if (rank == 0) {
                    System.out.printf("TRANSFER aeron bytes=%d gb_s=%.3f path=%s%n", bytes, rates[reps / 2],
                        ipc ? "ipc" : "udp");
                }
            }
            // rank 0 says it has everything: over UDP, rank 1's driver must live until its last message got through
            // (a lost fragment is sent again only by it), however slow a loaded machine makes that
            if (rank == 0) {
                sendAll(out, idle, new UnsafeBuffer(new byte[1]));
                TimeUnit.MILLISECONDS.sleep(200);
            } else {
                try {
                    receiveAll(in, idle, new byte[1]);
                } catch (IllegalStateException silent) {
                    // rank 0 measured everything and is gone: nothing is waiting for us
                }
            }
        } finally {
            if (driver != null) {
                driver.close();
                IoUtil.delete(dir, true);
            }
        }
    }

    private static String channel(AeronSettings settings, int rank) {
        var endpoint = settings.peers().get(rank);
        return "aeron:udp?endpoint=" + endpoint.getHostString() + ":" + endpoint.getPort() + "|mtu=" + settings.mtuBytes()
            + "|term-length=" + settings.termBytes();
    }

    /** {@code steps} round trips: rank 0 sends then receives, rank 1 receives then sends. */
    private static void exchange(int rank, Publication out, Subscription in, IdleStrategy idle, byte[] send,
                                 byte[] receive, int steps) {
        UnsafeBuffer sendBuffer = new UnsafeBuffer(send);
        for (int step = 0; step < steps; step++) {
            if (rank == 0) {
                sendAll(out, idle, sendBuffer);
                receiveAll(in, idle, receive);
            } else {
                receiveAll(in, idle, receive);
                sendAll(out, idle, sendBuffer);
            }
        }
    }

    private static void sendAll(Publication out, IdleStrategy idle, UnsafeBuffer buffer) {
        int max = out.maxMessageLength();
        int length = buffer.capacity();
        for (int from = 0; from < length; ) {
            int piece = Math.min(max, length - from);
            long result = out.offer(buffer, from, piece);
            if (result > 0) {
                from += piece;
                idle.reset();
            } else if (result == Publication.BACK_PRESSURED || result == Publication.ADMIN_ACTION) {
                idle.idle();
            } else {
                throw new IllegalStateException("Aeron offer failed: " + result);
            }
        }
    }

    /** Receives {@code receive.length} bytes; fails when nothing comes for {@link #STALL_MS} (never a hang). */
    private static void receiveAll(Subscription in, IdleStrategy idle, byte[] receive) {
        int[] received = {0};
        long lastNs = System.nanoTime();
        while (received[0] < receive.length) {
            int fragments = in.poll((buffer, offset, length, header) -> {
                buffer.getBytes(offset, receive, received[0], length);
                received[0] += length;
            }, 64);
            long nowNs = System.nanoTime();
            if (fragments > 0) {
                lastNs = nowNs;
            } else if (nowNs - lastNs > TimeUnit.MILLISECONDS.toNanos(STALL_MS)) {
                throw new IllegalStateException("nothing from the peer for " + STALL_MS + " ms, " + received[0]
                    + " of " + receive.length + " bytes received");
            }
            idle.idle(fragments);
        }
    }
}
