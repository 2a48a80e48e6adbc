package org.bind.mpi.aeron;

import static org.bind.mpi.TransportContractTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import org.agrona.concurrent.UnsafeBuffer;
import org.bind.mpi.TransportContractTest.Recorder;
import org.bind.transport.Frames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The handshake against a party without the secret that talks to the ranks while they start: whatever it sends
 * from sessions of its own (a rejection, proofs, HELLOs in a rank's name, every type byte, fragments), no rank fails,
 * waits past the connect timeout or changes state, and every such message is dropped and counted.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AeronHandshakeTest {
    private final List<AeronTransport> opened = new ArrayList<>();
    private final Random random = new Random(11);

    @AfterEach
    void closeAll() {
        opened.forEach(AeronTransport::close);
    }

    private AeronTransport open(AeronSettings settings) {
        AeronTransport transport = new AeronTransport(settings);
        opened.add(transport);
        return transport;
    }

    private byte[] hello(AeronSettings job, int claimedRank, String buildId) {
        byte[] nonce = new byte[Wire.NONCE_BYTES];
        random.nextBytes(nonce);
        UnsafeBuffer out = new UnsafeBuffer(new byte[Wire.MAX_HELLO_BYTES]);
        int length = Wire.encodeHello(out, new Wire.Hello(AeronSettings.PROTOCOL_VERSION, Frames.PROTOCOL_VERSION,
            job.jobId(), claimedRank, job.size(), nonce, buildId));
        return java.util.Arrays.copyOf(out.byteArray(), length);
    }

    /** An AUTH claiming {@code rank} that answers {@code nonce} with {@code mac} (the outsider has no secret). */
    private static byte[] auth(long jobId, int rank, byte[] nonce, byte[] mac) {
        UnsafeBuffer out = new UnsafeBuffer(new byte[Wire.AUTH_BYTES]);
        out.putByte(0, Wire.AUTH);
        out.putLong(1, jobId, Wire.ORDER);
        out.putInt(9, rank, Wire.ORDER);
        out.putBytes(13, nonce);
        out.putBytes(13 + Wire.NONCE_BYTES, mac);
        return out.byteArray();
    }

    private static void connectBoth(AeronTransport a, AeronTransport b) throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread other = new Thread(() -> {
            try {
                b.awaitConnected();
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        other.start();
        a.awaitConnected();
        other.join(20_000);
        if (failure.get() != null) {
            throw new AssertionError("rank " + b.rank() + " did not connect", failure.get());
        }
    }

    @Test
    void shouldDropAndCountWhatAnOutsiderSendsDuringStartUpWithoutFailingOrChangingTheRank() throws Exception {
        AeronSettings[] settings = AeronTestJobs.settings(2);
        for (int r = 0; r < 2; r++) {
            settings[r] = settings[r].withTimeouts(200, 1_000, 10_000);
        }
        int port0 = settings[0].peers().get(0).getPort();
        int port1 = settings[1].peers().get(1).getPort();
        AeronTransport rank0;
        byte[] nonce = new byte[Wire.NONCE_BYTES];
        // the outsider listens where rank 1 will, to learn rank 0's nonce from its HELLO, then gives the port back
        try (Outsider eavesdropper = new Outsider(settings[0])) {
            Subscription listening = eavesdropper.listen(port1);
            rank0 = open(settings[0]);
            AtomicBoolean heard = new AtomicBoolean();
            await("rank 0's HELLO", 5_000, () -> {
                listening.poll((buffer, offset, length, header) -> {
                    if (buffer.getByte(offset) == Wire.HELLO) {
                        buffer.getBytes(offset + 21, nonce);
                        heard.set(true);
                    }
                }, 10);
                return heard.get();
            });
        }
        try (Outsider outsider = new Outsider(settings[0])) {
            ExclusivePublication session = outsider.publication(port0);
            long jobId = settings[0].jobId();
            byte[] large = new byte[100_000];   // under the outsider's largest message (an eighth of 1 MiB)
            random.nextBytes(large);
            large[0] = Wire.DATA;
            long expectedDrops = 0;
            Outsider.send(session, "\4stop the job".getBytes(StandardCharsets.UTF_8));                 // REJECT
            Outsider.send(session, auth(jobId, 1, nonce, new byte[Wire.MAC_BYTES]));                   // bad proof
            byte[] otherNonce = new byte[Wire.NONCE_BYTES];
            Outsider.send(session, auth(jobId, 1, otherNonce, new byte[Wire.MAC_BYTES]));              // another nonce
            Outsider.send(session, hello(settings[0], 1, "other-build"));
            expectedDrops += 4;
            for (int i = 0; i < 50; i++) {
                Outsider.send(session, hello(settings[0], 1, settings[0].buildId()));   // answered, not dropped
            }
            for (int type = 0; type < 256; type++) {
                byte[] message = new byte[1 + random.nextInt(40)];
                random.nextBytes(message);
                message[0] = (byte) type;
                Outsider.send(session, message);
                expectedDrops++;
            }
            Outsider.send(session, large);
            expectedDrops += (large.length + 1375) / 1376;   // 1376 payload bytes per 1408-byte datagram
            long expected = expectedDrops;
            await("every message to be dropped", 5_000, () -> rank0.droppedMessages() >= expected);
            assertEquals(expected, rank0.droppedMessages(), "messages dropped by rank 0");
            assertEquals(1, rank0.rejectedPeers(), "proofs over rank 0's nonce that failed");
            assertEquals(0, rank0.errors(), "rank 0's errors");
        }
        AeronTransport rank1 = open(settings[1]);
        connectBoth(rank0, rank1);
        Recorder recorder = new Recorder(2);
        rank1.start(recorder);
        rank0.send(1, ByteBuffer.wrap(new byte[] {1, 2, 3}));
        await("a frame after the handshake", 5_000, () -> recorder.count(0) == 1);
        assertEquals(0, rank1.rejectedPeers(), "proofs rank 1 refused");
    }

    @Test
    void shouldConnectWhileAnOutsiderFloodsHellosAndRejectionsInEveryRanksName() throws Exception {
        AeronSettings[] settings = AeronTestJobs.settings(2);
        for (int r = 0; r < 2; r++) {
            settings[r] = settings[r].withTimeouts(200, 1_000, 10_000);
        }
        AeronTransport rank0 = open(settings[0]);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean rank1Started = new AtomicBoolean();
        AtomicLong sent = new AtomicLong();
        AtomicReference<Throwable> floodFailure = new AtomicReference<>();
        try (Outsider outsider = new Outsider(settings[0])) {
            ExclusivePublication to0 = outsider.publication(settings[0].peers().get(0).getPort());
            Thread flood = new Thread(() -> {
                try {
                    ExclusivePublication to1 = null;
                    long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (!stop.get() && System.nanoTime() < deadlineNs) {
                        to0.offer(new UnsafeBuffer(hello(settings[0], 1, settings[0].buildId())));
                        to0.offer(new UnsafeBuffer("\4no".getBytes(StandardCharsets.UTF_8)));
                        if (to1 == null && rank1Started.get()) {
                            to1 = outsider.publication(settings[1].peers().get(1).getPort());
                        }
                        if (to1 != null) {
                            to1.offer(new UnsafeBuffer(hello(settings[1], 0, settings[1].buildId())));
                            to1.offer(new UnsafeBuffer("\4no".getBytes(StandardCharsets.UTF_8)));
                        }
                        sent.incrementAndGet();
                        java.util.concurrent.locks.LockSupport.parkNanos(20_000);
                    }
                } catch (Throwable t) {
                    floodFailure.set(t);
                }
            }, "outsider-flood");
            flood.start();
            await("the flood to start", 5_000, () -> sent.get() > 100);
            AeronTransport rank1 = open(settings[1]);
            rank1Started.set(true);
            try {
                connectBoth(rank0, rank1);
                await("the flood to reach rank 1", 10_000, () -> rank1.droppedMessages() > 100);
            } finally {
                stop.set(true);
                flood.join(10_000);
            }
            assertTrue(floodFailure.get() == null, () -> "the flood failed: " + floodFailure.get());
            Recorder recorder = new Recorder(2);
            rank0.start(recorder);
            rank1.send(0, ByteBuffer.wrap(new byte[] {4, 5}));
            await("a frame after the handshake", 5_000, () -> recorder.count(1) == 1);
            assertTrue(rank0.droppedMessages() > 100, () -> "rank 0 dropped " + rank0.droppedMessages());
        }
    }
}
