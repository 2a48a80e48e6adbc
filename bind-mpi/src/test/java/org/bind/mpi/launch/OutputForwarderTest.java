package org.bind.mpi.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link OutputForwarder} and {@link RankOutput}: a rank's output is queued up to a bound and never blocks the
 * writer, whatever the sink does; what reaches the sink is whole writes in order, and drops are counted exactly.
 */
class OutputForwarderTest {
    private static final int CAPACITY = 64 * 1024;

    /** A sink that blocks in its first write until released (a pipe nobody reads), then collects. */
    private static final class StuckSink extends OutputStream {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final ByteArrayOutputStream received = new ByteArrayOutputStream();

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int count) throws IOException {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            synchronized (received) {
                received.write(bytes, offset, count);
            }
        }

        String text() {
            synchronized (received) {
                return received.toString(StandardCharsets.UTF_8);
            }
        }
    }

    private static byte[] line(int i) {
        return String.format("line %07d %s%n", i, "x".repeat(90)).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)   // the writes below never return if a write can block
    void shouldDropWholeWritesInsteadOfBlockingWhenNobodyReads() throws Exception {
        StuckSink sink = new StuckSink();
        OutputForwarder forwarder = new OutputForwarder(sink, "rank 1: standard error", CAPACITY, 200);
        int lines = 20_000;   // 2 MB, 30 times the capacity
        long total = 0;
        forwarder.write(line(0));
        total += line(0).length;
        assertTrue(sink.entered.await(30, TimeUnit.SECONDS), "the writer thread never reached the sink");
        for (int i = 1; i < lines; i++) {
            forwarder.write(line(i));
            total += line(i).length;
        }
        assertFalse(forwarder.drain(100), "drained although the sink is stuck");
        long dropped = forwarder.droppedBytes();
        assertTrue(dropped >= total - CAPACITY - line(0).length, () -> "dropped " + dropped + " bytes of " + 20_000
            + " lines, while at most " + CAPACITY + " fit");
        sink.release.countDown();
        assertTrue(forwarder.drain(30_000), "not drained once the sink takes output again");
        String received = sink.text();
        List<String> got = new ArrayList<>(List.of(received.split("\n")));
        String notice = got.remove(got.size() - 1);
        assertEquals("bind: rank 1: standard error: " + dropped + " bytes dropped (" + forwarder.droppedWrites()
            + " writes): it was not being read", notice);
        for (int i = 0; i < got.size(); i++) {
            assertEquals(new String(line(i), StandardCharsets.UTF_8).strip(), got.get(i), "line " + i);
        }
        long delivered = received.getBytes(StandardCharsets.UTF_8).length - notice.length() - 1;
        assertEquals(total, delivered + dropped, "every byte is delivered or counted as dropped");
        assertEquals(lines - got.size(), forwarder.droppedWrites());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldDeliverEverythingInOrderWhenTheSinkKeepsUp() throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        OutputForwarder forwarder = new OutputForwarder(sink, "rank 0: standard output", 1 << 30, 200);
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 50_000; i++) {
            forwarder.write(line(i));
            expected.append(new String(line(i), StandardCharsets.UTF_8));
        }
        assertTrue(forwarder.drain(30_000));
        assertEquals(0, forwarder.droppedBytes());
        assertEquals(expected.toString(), sink.toString(StandardCharsets.UTF_8));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldHoldWritersBackInsteadOfDroppingWhileASlowSinkMoves() throws Exception {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        OutputStream slow = new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int count) {
                try {
                    Thread.sleep(1);   // a reader slower than the writer, but one that keeps reading
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                synchronized (received) {
                    received.write(bytes, offset, count);
                }
            }
        };
        // a queue of 4 lines and a stall limit far above any one write: writers must wait, never drop
        OutputForwarder forwarder = new OutputForwarder(slow, "rank 0: standard output", 4 * line(0).length, 60_000);
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 2_000; i++) {
            forwarder.write(line(i));
            expected.append(new String(line(i), StandardCharsets.UTF_8));
        }
        assertTrue(forwarder.drain(60_000));
        assertEquals(0, forwarder.droppedBytes());
        synchronized (received) {
            assertEquals(expected.toString(), received.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldDeliverAWriteLargerThanTheQueueInPieces() throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        OutputForwarder forwarder = new OutputForwarder(sink, "rank 0: standard output", 1_000, 60_000);
        byte[] big = new byte[10_500];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) ('a' + i % 26);
        }
        forwarder.write(big, 0, big.length);
        assertTrue(forwarder.drain(30_000));
        assertEquals(0, forwarder.droppedBytes());
        assertEquals(new String(big, StandardCharsets.UTF_8), sink.toString(StandardCharsets.UTF_8));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldDropEverythingAfterTheSinkFails() throws Exception {
        OutputStream closed = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("Broken pipe");
            }
        };
        OutputForwarder forwarder = new OutputForwarder(closed, "rank 2: standard output", CAPACITY, 200);
        forwarder.write(line(0));
        assertTrue(forwarder.drain(30_000), "a failed sink must not hold the drain");
        for (int i = 1; i <= 100_000; i++) {
            forwarder.write(line(i));
        }
        assertEquals(100_001, forwarder.droppedWrites());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldTagEveryLineAndEndTheLastOne() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        RankOutput output = RankOutput.of(out, err, "3", true, CAPACITY, 200, 30_000);
        output.out().println("first");
        output.out().print("second\nthird");
        output.err().println("oops");
        assertTrue(output.finish());
        assertEquals("[rank 3] first\n[rank 3] second\n[rank 3] third\n", out.toString(StandardCharsets.UTF_8));
        assertEquals("[rank 3] oops\n", err.toString(StandardCharsets.UTF_8));
        assertEquals(0, output.droppedBytes());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldReturnFromFinishWithinTheDrainTimeWhenNobodyReads() throws Exception {
        StuckSink out = new StuckSink();
        RankOutput output = RankOutput.of(out, new ByteArrayOutputStream(), "1", false, CAPACITY, 200, 200);
        output.out().println("stuck");
        assertTrue(out.entered.await(30, TimeUnit.SECONDS));
        assertFalse(output.finish(), "finish reported everything written while the sink is stuck");
        out.release.countDown();
    }
}
