package org.bind.dag;

import static org.bind.dag.IncomingTransferTest.JOB;
import static org.bind.dag.IncomingTransferTest.chunksOf;
import static org.bind.dag.IncomingTransferTest.deliver;
import static org.bind.dag.IncomingTransferTest.doubles;
import static org.bind.dag.IncomingTransferTest.pendingVersion;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.bind.dag.IncomingTransferTest.FakeHost;
import org.bind.testing.DumpStacksOnTimeout;
import org.bind.transport.Frames;
import org.bind.version.ArrayBufferType;
import org.bind.version.BufferPool;
import org.bind.version.BufferType;
import org.bind.version.Failure;
import org.bind.version.MemoryAccount;
import org.bind.version.Version;
import org.bind.version.VersionChain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Received versions landing in recycled storage: the buffer of a version of the same shape that died here (the rank's
 * shared pool) instead of a new array, so that the receiver neither allocates nor zeroes it. The buffer must be a dead
 * version's, handed to one received version only; the received values must equal what was sent (the oracle: the
 * sent arrays), whatever the dead buffer held.
 */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RecycledLandingTest {
    private static final MemoryAccount NO_ACCOUNT = delta -> {
    };
    /** 40 000 doubles: above the shared pool's smallest buffer. */
    private static final int N = 40_000;
    /** One MTU's payload: the size of the pieces Aeron hands over. */
    private static final int PIECE_BYTES = 1_376;

    /** Another object of the same shape as the received one, with a version holding {@code contents}. */
    private static Version liveVersion(long id, double[] contents) {
        VersionChain chain = new VersionChain(null, id, "B#" + id, new ArrayBufferType<>(double[].class, N));
        return chain.supersedeWith(contents, null, NO_ACCOUNT); // held as the latest
    }

    /** Receives {@code sent} chunk by chunk, landing each piece as it comes (as over Aeron). */
    private static Version receive(FakeHost host, double[] sent) {
        Version target = pendingVersion(double[].class, N);
        IncomingTransfer transfer = new IncomingTransfer(host, "A");
        transfer.attach(target);
        for (ByteBuffer frame : chunksOf(sent, 100_003)) {
            ChunkLanding landing = transfer.land(Frames.parse(frame, JOB, Integer.MAX_VALUE));
            assertNotNull(landing);
            for (int at = 0; at < frame.remaining(); at += PIECE_BYTES) {
                landing.put(frame.slice(at, Math.min(PIECE_BYTES, frame.remaining() - at)));
            }
            landing.onLanded();
        }
        assertTrue(target.isDone() && !target.isFailed());
        return target;
    }

    @Test
    void shouldLandInTheBufferOfAVersionThatDiedAndLeaveLiveOnesAlone() {
        FakeHost host = new FakeHost();
        host.pool = BufferPool.shared(64L << 20);
        double[] otherContents = doubles(N, 30);
        double[] other = otherContents.clone();
        Version live = liveVersion(9, other);
        double[] first = doubles(N, 31);
        Version firstReceived = receive(host, first);
        assertNotSame(other, firstReceived.buffer(), "a live version's buffer is never used");
        assertArrayEquals(first, (double[]) firstReceived.buffer());
        assertArrayEquals(otherContents, other, "the live version is untouched");

        live.releaseHold(host.pool, NO_ACCOUNT); // it dies: its buffer goes to the shared pool
        double[] second = doubles(N, 32);
        Version secondReceived = receive(host, second);
        assertSame(other, secondReceived.buffer(), "the dead version's buffer is reused");
        assertArrayEquals(second, (double[]) secondReceived.buffer(), "every element overwritten");
        assertArrayEquals(first, (double[]) firstReceived.buffer(), "the version received before is untouched");

        double[] third = doubles(N, 33);
        Version thirdReceived = receive(host, third);
        assertNotSame(other, thirdReceived.buffer(), "a recycled buffer goes to one version only");
        assertArrayEquals(third, (double[]) thirdReceived.buffer());
        assertArrayEquals(second, (double[]) secondReceived.buffer());
    }

    /** A version that came before its reader was known (kept whole) lands in a recycled buffer once it attaches. */
    @Test
    void shouldMoveAnEarlyVersionIntoARecycledBufferWhenItsReaderAttaches() {
        FakeHost host = new FakeHost();
        host.pool = BufferPool.shared(64L << 20);
        double[] sent = doubles(N, 34);
        List<ByteBuffer> frames = chunksOf(sent, 100_003);
        IncomingTransfer transfer = new IncomingTransfer(host, "A");
        deliver(transfer, frames.get(0)); // nobody here reads it yet: kept whole
        assertEquals(IncomingTransfer.Storage.WHOLE, transfer.storage());
        double[] dead = doubles(N, 35);
        liveVersion(10, dead).releaseHold(host.pool, NO_ACCOUNT);
        Version target = pendingVersion(double[].class, N);
        transfer.attach(target);
        assertEquals(IncomingTransfer.Storage.IN_PLACE, transfer.storage());
        for (ByteBuffer frame : frames.subList(1, frames.size())) {
            deliver(transfer, frame);
        }
        assertSame(dead, target.buffer());
        assertArrayEquals(sent, dead);
    }

    /** A transfer abandoned half-way keeps the recycled buffer it took: it is never handed out again. */
    @Test
    void shouldNotHandOutAgainTheBufferOfATransferAbandonedHalfWay() {
        FakeHost host = new FakeHost();
        host.pool = BufferPool.shared(64L << 20);
        double[] dead = doubles(N, 36);
        liveVersion(11, dead).releaseHold(host.pool, NO_ACCOUNT);
        double[] sent = doubles(N, 37);
        List<ByteBuffer> frames = chunksOf(sent, 100_003);
        Version target = pendingVersion(double[].class, N);
        IncomingTransfer transfer = new IncomingTransfer(host, "A");
        transfer.attach(target);
        deliver(transfer, frames.get(0));
        transfer.abandon(new Failure("receive from rank 0", 1, 0, new IllegalStateException("rank 0 lost")));
        assertTrue(target.isFailed());
        assertNull(target.buffer());
        @SuppressWarnings("unchecked")
        BufferType<Object> type = (BufferType<Object>) (BufferType<?>) new ArrayBufferType<>(double[].class, N);
        assertNull(host.pool.take(type), "taken once, by the abandoned transfer");
        double[] next = doubles(N, 38);
        Version received = receive(host, next);
        assertNotSame(dead, received.buffer());
        assertArrayEquals(next, (double[]) received.buffer());
    }

    /**
     * One thread receives versions while another makes versions of the same shape, keeping every other one alive and
     * letting the rest die (their buffers go to the shared pool, as a sending thread's do): every received value
     * equals what was sent, no received version lands in a buffer a live version holds, and the live ones keep
     * their contents.
     */
    @Test
    void shouldReceiveRightValuesWhileVersionsOfTheSameShapeDie() throws Exception {
        FakeHost host = new FakeHost();
        host.pool = BufferPool.shared(64L << 20);
        int rounds = 60;
        Set<Object> live = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
        List<double[]> kept = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread killer = new Thread(() -> {
            try {
                for (int r = 0; r < rounds; r++) {
                    double[] contents = doubles(N, 1_000 + r);
                    Version version = liveVersion(100 + r, contents);
                    if (r % 2 == 0) {
                        version.releaseHold(host.pool, NO_ACCOUNT); // dies: its buffer may be received into
                    } else {
                        live.add(contents);
                        kept.add(contents);
                    }
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }, "killer");
        killer.start();
        List<Version> received = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            double[] sent = doubles(N, 2_000 + r);
            Version version = receive(host, sent);
            Object buffer = version.buffer();
            assertTrue(live.add(buffer), "round " + r + ": landed in a buffer a live version holds");
            assertArrayEquals(sent, (double[]) buffer, "round " + r);
            received.add(version);
        }
        killer.join(30_000);
        assertNull(failure.get());
        for (int r = 0; r < rounds; r++) {
            assertArrayEquals(doubles(N, 2_000 + r), (double[]) received.get(r).buffer(),
                "received version " + r + " unchanged by later receives");
        }
        assertEquals(rounds / 2, kept.size());
        for (int k = 0; k < kept.size(); k++) {
            assertArrayEquals(doubles(N, 1_000 + 2 * k + 1), kept.get(k), "live version " + k + " untouched");
        }
    }
}
