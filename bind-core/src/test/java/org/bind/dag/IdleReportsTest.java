package org.bind.dag;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.bind.testing.DumpStacksOnTimeout;
import org.bind.transport.Frames;
import org.bind.transport.MalformedFrameException;
import org.bind.transport.Transport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The {@code IDLE} payload: what is encoded decodes the same; wrong lengths and values are refused by name. Frames
 * handled on the transport's receiving thread ({@link IdleReports#receiveInline}) are counted like delivered ones,
 * never once the rank has quiesced (a quiesced rank reports each frame, a send), and always in the quiesced report.
 */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class IdleReportsTest {
    private static final long JOB = 77;

    /** Rank 0 of 2; records the frames it sends. */
    private static final class SentFrames implements Transport {
        final List<ByteBuffer> sent = new CopyOnWriteArrayList<>();

        @Override
        public int rank() {
            return 0;
        }

        @Override
        public int size() {
            return 2;
        }

        @Override
        public void start(Receiver receiver) {
        }

        @Override
        public void send(int toRank, ByteBuffer frame) {
            ByteBuffer copy = ByteBuffer.allocate(frame.remaining()).order(ByteOrder.LITTLE_ENDIAN);
            copy.put(frame.duplicate()).flip();
            sent.add(copy);
        }

        @Override
        public void refuse(int peer) {
        }

        @Override
        public void close() {
        }

        /** What rank 0 said it received from rank 1 in report {@code index}. */
        long receivedFromOne(int index) {
            ByteBuffer frame = sent.get(index);
            return IdleReports.decode(0, Frames.payload(frame), 2)[2 + 1];
        }
    }

    @Test
    void shouldCountAFrameHandledOnTheReceivingThreadOnlyWhenItWasHandled() {
        SentFrames transport = new SentFrames();
        IdleReports reports = new IdleReports(transport, JOB);
        assertTrue(reports.receiveInline(1, () -> true));
        assertFalse(reports.receiveInline(1, () -> false), "declined: handled and counted on delivery instead");
        assertTrue(transport.sent.isEmpty(), "a rank that has not quiesced reports nothing");
        reports.onQuiesced(0);
        assertEquals(1, transport.sent.size());
        assertEquals(1, transport.receivedFromOne(0));
        AtomicBoolean ran = new AtomicBoolean();
        assertFalse(reports.receiveInline(1, () -> ran.getAndSet(true)), "quiesced: delivered, counted and reported");
        assertFalse(ran.get(), "nothing is handled on the receiving thread once quiesced");
        reports.onSynced();
        assertTrue(reports.receiveInline(1, () -> true));
    }

    /**
     * A frame being handled on the receiving thread when the program thread quiesces: the quiesced report waits for
     * it and counts it (without the wait it would report the count before it, and a sync could never conclude).
     */
    @Test
    void shouldCountInTheQuiescedReportAFrameBeingHandledWhileTheRankQuiesces() throws Exception {
        SentFrames transport = new SentFrames();
        IdleReports reports = new IdleReports(transport, JOB);
        CountDownLatch handling = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean counted = new AtomicBoolean();
        Thread receiving = new Thread(() -> counted.set(reports.receiveInline(1, () -> {
            handling.countDown();
            try {
                return release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        })), "receiving");
        receiving.start();
        assertTrue(handling.await(20, TimeUnit.SECONDS));
        Thread program = new Thread(() -> reports.onQuiesced(0), "program");
        program.start();
        long before = 0;
        while (reports.receiveInline(1, () -> true)) {
            before++; // until the program thread's quiesced epoch shows: frames handled and counted meanwhile
        }
        release.countDown();
        receiving.join(20_000);
        program.join(20_000);
        assertFalse(receiving.isAlive() || program.isAlive());
        assertTrue(counted.get());
        assertFalse(transport.sent.isEmpty());
        assertEquals(before + 1, transport.receivedFromOne(0),
            "the first quiesced report counts the frame being handled, and those handled before");
    }

    @Test
    void shouldDecodeWhatItEncodes() {
        long[] counts = {0, 3, 5, 0, 7, 2};
        assertArrayEquals(counts, IdleReports.decode(1, IdleReports.encode(4, counts), 3));
    }

    @Test
    void shouldRefuseAPayloadOfAnotherJobSize() {
        ByteBuffer forTwo = IdleReports.encode(1, new long[4]);
        MalformedFrameException e = assertThrows(MalformedFrameException.class, () -> IdleReports.decode(2, forTwo, 3));
        assertTrue(e.getMessage().contains("IDLE from rank 2 has 40 bytes, expected 56"), e.getMessage());
    }

    @Test
    void shouldRefuseANegativeCountAndASequenceBelowOne() {
        ByteBuffer negative = IdleReports.encode(1, new long[] {0, -1, 0, 0});
        assertTrue(assertThrows(MalformedFrameException.class, () -> IdleReports.decode(0, negative, 2))
            .getMessage().contains("negative count -1"));
        ByteBuffer zero = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        assertTrue(assertThrows(MalformedFrameException.class, () -> IdleReports.decode(0, zero, 2))
            .getMessage().contains("sequence 0"));
    }
}
