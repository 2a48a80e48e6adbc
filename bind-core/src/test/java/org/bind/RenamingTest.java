package org.bind;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import org.bind.dag.Counters;
import org.bind.testing.DumpStacksOnTimeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every write makes a new version: readers of version v run alongside the writer of v+1, {@code @Out} does not
 * wait for the previous version, a completed version never changes, and buffers are written in place when the
 * writer is the only user and copied otherwise. The latches below can only be released if the runtime puts no
 * false edge between the ops; a latch that is never released times out and fails the op.
 */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(60)
class RenamingTest {
    static final class Ops {
        @Op
        static void set(@Out IntArray x, @ByRef int[] values) {
            System.arraycopy(values, 0, x.data(), 0, values.length);
        }

        /** Reads version v, then blocks until the writer of v+1 has run, then reads v again. */
        @Op
        static void readAcrossNextWrite(@In IntArray x, @ByRef CountDownLatch nextWritten,
                                        @ByRef AtomicReference<int[]> before, @ByRef AtomicReference<int[]> after)
            throws InterruptedException, TimeoutException {
            before.set(x.data().clone());
            if (!nextWritten.await(10, TimeUnit.SECONDS)) {
                throw new TimeoutException("the writer of the next version did not run while its reader waited");
            }
            after.set(x.data().clone());
        }

        @Op
        static void addAndSignal(IntArray x, int add, @ByRef CountDownLatch done) {
            int[] d = x.data();
            for (int i = 0; i < d.length; i++) {
                d[i] += add;
            }
            done.countDown();
        }

        /** A read-write op that cannot finish before the next (write-only) version of x has been produced. */
        @Op
        static void slowWrite(IntArray x, int value, @ByRef CountDownLatch nextWritten)
            throws InterruptedException, TimeoutException {
            if (!nextWritten.await(10, TimeUnit.SECONDS)) {
                throw new TimeoutException("the @Out writer of the next version waited for this op");
            }
            java.util.Arrays.fill(x.data(), value);
        }

        @Op
        static void overwrite(@Out IntArray x, int value, @ByRef CountDownLatch written) {
            java.util.Arrays.fill(x.data(), value);
            written.countDown();
        }

        @Op
        static void copy(@In IntArray from, @Out IntArray to) {
            System.arraycopy(from.data(), 0, to.data(), 0, to.length());
        }

        @Op
        static void increment(IntArray x) {
            int[] d = x.data();
            for (int i = 0; i < d.length; i++) {
                d[i] += i + 1;
            }
        }
    }

    @Test
    void shouldRunReaderOfAVersionConcurrentlyWithTheWriterOfTheNext() throws Exception {
        try (Bind bind = Bind.init(new Bind.Context().workers(2))) {
            IntArray x = IntArray.of(3);
            CountDownLatch written = new CountDownLatch(1);
            AtomicReference<int[]> before = new AtomicReference<>();
            AtomicReference<int[]> after = new AtomicReference<>();
            Ops.set(x, new int[] {1, 2, 3});
            Ops.readAcrossNextWrite(x, written, before, after);
            Ops.addAndSignal(x, 100, written);
            bind.sync();
            assertArrayEquals(new int[] {1, 2, 3}, before.get(), "the reader saw version 1");
            assertArrayEquals(new int[] {1, 2, 3}, after.get(),
                "version 1 changed under its reader while version 2 was written");
            assertArrayEquals(new int[] {101, 102, 103}, x.toArray());
            assertTrue(bind.counters().copies() >= 1,
                "the writer had to copy the version its reader still held: " + bind.counters());
        }
    }

    @Test
    void shouldNotMakeAnOutWriterWaitForThePreviousVersion() throws Exception {
        try (Bind bind = Bind.init(new Bind.Context().workers(2))) {
            IntArray x = IntArray.of(3);
            IntArray snapshot = IntArray.of(3);
            CountDownLatch written = new CountDownLatch(1);
            Ops.slowWrite(x, 7, written);  // version 1, finishes only after version 2 exists
            Ops.copy(x, snapshot);         // reads version 1
            Ops.overwrite(x, 9, written);  // version 2, write-only
            bind.sync();
            assertArrayEquals(new int[] {9, 9, 9}, x.toArray());
            assertArrayEquals(new int[] {7, 7, 7}, snapshot.toArray(), "the reader of version 1 saw version 1");
        }
    }

    @Test
    void shouldWriteInPlaceAlongAChainOfReadWriteOpsOnOneWorker() throws Exception {
        int n = 200;
        try (Bind bind = Bind.init(new Bind.Context().workers(1))) {
            IntArray x = IntArray.of(4);
            for (int i = 0; i < n; i++) {
                Ops.increment(x);
            }
            bind.sync();
            assertArrayEquals(new int[] {n, 2 * n, 3 * n, 4 * n}, x.toArray());
            Counters counters = bind.counters();
            assertEquals(n, counters.inPlaceWrites(), "every op was the only user of its input: " + counters);
            assertEquals(0, counters.copies(), counters.toString());
        }
    }

    @Test
    void shouldWriteInPlaceAlongAChainOfReadWriteOpsOnTwoWorkers() throws Exception {
        int n = 2000;
        try (Bind bind = Bind.init(new Bind.Context().workers(2))) {
            IntArray x = IntArray.of(4);
            for (int i = 0; i < n; i++) {
                Ops.increment(x);
            }
            bind.sync();
            assertArrayEquals(new int[] {n, 2 * n, 3 * n, 4 * n}, x.toArray());
            Counters counters = bind.counters();
            assertTrue(counters.inPlaceWrites() > 0, counters.toString());
            assertEquals(n, counters.inPlaceWrites() + counters.copies(), "each op wrote in place or copied");
        }
    }

    @Test
    void shouldCopyWhenAReaderStillHoldsTheOldVersion() throws Exception {
        try (Bind bind = Bind.init(new Bind.Context().workers(2))) {
            IntArray x = IntArray.of(2);
            IntArray y = IntArray.of(2);
            CountDownLatch written = new CountDownLatch(1);
            AtomicReference<int[]> before = new AtomicReference<>();
            AtomicReference<int[]> after = new AtomicReference<>();
            Ops.set(x, new int[] {5, 6});
            Ops.readAcrossNextWrite(x, written, before, after);
            Ops.addAndSignal(x, 1, written);
            Ops.copy(x, y);
            bind.sync();
            Counters counters = bind.counters();
            assertTrue(counters.copies() >= 1, counters.toString());
            assertArrayEquals(new int[] {5, 6}, after.get());
            assertArrayEquals(new int[] {6, 7}, x.toArray());
            assertArrayEquals(new int[] {6, 7}, y.toArray());
        }
    }
}
