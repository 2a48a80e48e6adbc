package org.bind;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.bind.testing.DumpStacksOnTimeout;
import org.bind.version.ArrayBufferType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(60)
class InstanceOpsTest {
    /** A plain (not versioned) receiver: its ops read and write its fields. */
    static final class Accumulator {
        double total;
        final List<Integer> seen = new ArrayList<>();

        @Op
        void add(@In DoubleArray a) {
            double sum = 0;
            for (double v : a.data()) {
                sum += v;
            }
            double before = total;
            Thread.onSpinWait(); // widens the window in which an unordered second op would lose an update
            total = before + sum;
        }

        @Op
        void note(int i) {
            seen.add(i);
        }

        @Op
        void fail(String why) {
            throw new IllegalStateException(why);
        }
    }

    /** A user-defined versioned type with an instance op: the receiver is read-write like an argument. */
    static final class Counter extends Versioned {
        Counter() {
            super(new ArrayBufferType<>(long[].class, 1));
        }

        @Op
        void addFrom(@In IntArray values) {
            long[] mine = (long[]) writableBuffer();
            for (int v : values.data()) {
                mine[0] += v;
            }
        }

        long value() {
            return ((long[]) latestBuffer())[0];
        }
    }

    static final class Ops {
        @Op
        static void fill(@Out DoubleArray a, double value) {
            java.util.Arrays.fill(a.data(), value);
        }

        @Op
        static void fillInts(@Out IntArray a, int value) {
            java.util.Arrays.fill(a.data(), value);
        }
    }

    @Test
    void shouldRunOpsOnOnePlainReceiverInProgramOrder() {
        try (Bind bind = Bind.init(new Bind.Context().workers(2))) {
            Accumulator acc = new Accumulator();
            DoubleArray ones = DoubleArray.of(1000);
            Ops.fill(ones, 1.0);
            for (int i = 0; i < 2000; i++) {
                acc.add(ones);
                acc.note(i);
            }
            bind.sync();
            assertEquals(2_000_000.0, acc.total);
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                expected.add(i);
            }
            assertEquals(expected, acc.seen);
        }
    }

    @Test
    void shouldRunOpsOnDifferentReceiversIndependently() {
        try (Bind bind = Bind.init(new Bind.Context().workers(2))) {
            Accumulator[] accs = new Accumulator[8];
            for (int i = 0; i < accs.length; i++) {
                accs[i] = new Accumulator();
            }
            DoubleArray twos = DoubleArray.of(10);
            Ops.fill(twos, 2.0);
            for (int round = 0; round < 500; round++) {
                for (Accumulator acc : accs) {
                    acc.add(twos);
                }
            }
            bind.sync();
            for (Accumulator acc : accs) {
                assertEquals(500 * 20.0, acc.total);
            }
        }
    }

    @Test
    void shouldSkipLaterOpsOnAReceiverWhoseOpFailed() {
        try (Bind bind = Bind.init(new Bind.Context().workers(2))) {
            Accumulator acc = new Accumulator();
            acc.note(1);
            acc.fail("boom");
            acc.note(2);
            OpFailedException e = assertThrows(OpFailedException.class, bind::sync);
            assertTrue(e.getMessage().contains("Accumulator.fail"), e.getMessage());
            assertEquals(List.of(1), acc.seen);
        }
    }

    @Test
    void shouldTreatAVersionedReceiverAsAReadWriteArgument() {
        try (Bind bind = Bind.init(new Bind.Context().workers(2))) {
            Counter counter = new Counter();
            IntArray values = IntArray.of(100);
            long expected = 0;
            for (int round = 1; round <= 300; round++) {
                Ops.fillInts(values, round);
                counter.addFrom(values);
                expected += 100L * round;
            }
            bind.sync();
            assertEquals(expected, counter.value());
            assertArrayEquals(new int[] {300, 300}, java.util.Arrays.copyOf(values.toArray(), 2));
        }
    }

    @Test
    void shouldReleaseTheOrderOfDroppedReceivers() {
        try (Bind bind = Bind.init(new Bind.Context().workers(2))) {
            DoubleArray ones = DoubleArray.of(4);
            Ops.fill(ones, 1.0);
            double sum = 0;
            for (int i = 0; i < 20_000; i++) {
                Accumulator acc = new Accumulator();
                acc.add(ones);
                if (i % 1000 == 0) {
                    bind.sync();
                    sum += acc.total;
                }
            }
            bind.sync();
            assertEquals(20 * 4.0, sum);
        }
    }
}
