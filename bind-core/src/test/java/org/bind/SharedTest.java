package org.bind;

import static org.bind.MisuseTest.assertContains;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.bind.codec.CodecException;
import org.bind.testing.DumpStacksOnTimeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link Shared} values are versioned like arrays and copied in and out, so no caller can change a version. */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(60)
class SharedTest {
    record Stats(long count, double mean, String label) {
    }

    static final class Ops {
        @Op
        static void slowSet(@Out Shared<Integer> s, int value, @ByRef CountDownLatch release)
            throws InterruptedException, TimeoutException {
            if (!release.await(20, TimeUnit.SECONDS)) {
                throw new TimeoutException("never released");
            }
            s.set(value);
        }

        @Op
        static void copyTo(@In Shared<Integer> s, @Out IntArray out) {
            out.data()[0] = s.get();
        }

        @Op
        static void appendTo(Shared<int[]> s, int value) {
            int[] old = s.get();
            int[] grown = java.util.Arrays.copyOf(old, old.length + 1);
            grown[old.length] = value;
            s.set(grown);
        }

        @Op
        static void mutateInPlace(Shared<int[]> s, int value) {
            s.get()[0] = value; // the bound version's own value: this op writes s
        }

        @Op
        static void summarize(@In IntArray values, @Out Shared<Stats> stats, String label) {
            int[] v = values.data();
            long sum = 0;
            for (int x : v) {
                sum += x;
            }
            stats.set(new Stats(v.length, (double) sum / v.length, label));
        }

        @Op
        static void name(Shared<String> s, String suffix) {
            s.set((s.get() == null ? "" : s.get()) + suffix);
        }

        @Op
        static void fill(@Out IntArray x, int value) {
            java.util.Arrays.fill(x.data(), value);
        }
    }

    @Test
    void shouldCopyValuesInAndOut() {
        try (Bind bind = Bind.init()) {
            int[] initial = {1, 2};
            Shared<int[]> s = Shared.of(initial);
            initial[0] = 99;
            assertArrayEquals(new int[] {1, 2}, s.get(), "Shared.of copied the initial value");
            s.get()[1] = 77;
            assertArrayEquals(new int[] {1, 2}, s.get(), "get() returned a copy");
            int[] next = {3};
            s.set(next);
            next[0] = 55;
            assertArrayEquals(new int[] {3}, s.get(), "set() copied its argument");
            Ops.appendTo(s, 4);
            Ops.mutateInPlace(s, 30);
            Ops.appendTo(s, 5);
            bind.sync();
            assertArrayEquals(new int[] {30, 4, 5}, s.get());
        }
    }

    @Test
    void shouldLetTheProgramSetAValueWithoutWaitingForAnOpThatWritesTheOlderVersion() throws Exception {
        try (Bind bind = Bind.init(new Bind.Context().workers(2))) {
            Shared<Integer> s = Shared.of(0);
            IntArray seenFirst = IntArray.of(1);
            IntArray seenSecond = IntArray.of(1);
            CountDownLatch release = new CountDownLatch(1);
            Ops.slowSet(s, 1, release);
            Ops.copyTo(s, seenFirst);      // reads the op's version
            s.set(2);                      // a newer version, set now
            assertEquals(2, s.get(), "the program's own write is the latest version at once");
            Ops.copyTo(s, seenSecond);     // reads the program's version
            release.countDown();
            bind.sync();
            assertEquals(2, s.get(), "the later write (the program's) wins");
            assertArrayEquals(new int[] {1}, seenFirst.toArray());
            assertArrayEquals(new int[] {2}, seenSecond.toArray());
        }
    }

    @Test
    void shouldHoldRecordsAndNulls() {
        try (Bind bind = Bind.init()) {
            IntArray values = IntArray.of(4);
            Ops.fill(values, 3);
            Shared<Stats> stats = Shared.of(Stats.class, null);
            assertNull(stats.get());
            Ops.summarize(values, stats, "threes");
            Shared<String> text = Shared.of(String.class, null);
            Ops.name(text, "a");
            Ops.name(text, "b");
            bind.sync();
            assertEquals(new Stats(4, 3.0, "threes"), stats.get());
            assertEquals("ab", text.get());
        }
    }

    @Test
    void shouldRejectValuesWithoutACodec() {
        try (Bind bind = Bind.init()) {
            CodecException e = assertThrows(CodecException.class, () -> Shared.of(new ArrayList<String>()));
            assertContains(e.getMessage(), "java.util.ArrayList");
            IllegalArgumentException nul = assertThrows(IllegalArgumentException.class, () -> Shared.of(null));
            assertContains(nul.getMessage(), "Shared.of(null)");
            @SuppressWarnings({"unchecked", "rawtypes"})
            Shared<Object> raw = (Shared) Shared.of(1);
            CodecException wrongType = assertThrows(CodecException.class, () -> raw.set("not an int"));
            assertContains(wrongType.getMessage(), "java.lang.Integer", "java.lang.String");
            bind.sync();
            assertEquals(1, raw.get());
        }
    }
}
