package org.bind;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SmokeTest {
    static final class Ops {
        @Op
        static void fill(@Out IntArray a, int value) {
            java.util.Arrays.fill(a.data(), value);
        }

        @Op
        static void addInto(@In IntArray a, IntArray b) {
            int[] x = a.data();
            int[] y = b.data();
            for (int i = 0; i < x.length; i++) {
                y[i] += x[i];
            }
        }

        @Op
        static void inc(Shared<Integer> s) {
            s.set(s.get() + 1);
        }
    }

    @Test
    void shouldRunSimpleProgram() {
        try (Bind bind = Bind.init()) {
            IntArray a = IntArray.of(4);
            IntArray b = IntArray.of(4);
            Shared<Integer> s = Shared.of(0);
            Ops.fill(a, 3);
            Ops.addInto(a, b);
            Ops.addInto(a, b);
            Ops.fill(a, 1);
            Ops.addInto(a, b);
            for (int i = 0; i < 100; i++) {
                Ops.inc(s);
            }
            bind.sync();
            assertArrayEquals(new int[] {7, 7, 7, 7}, b.toArray());
            assertEquals(100, s.get());
            System.out.println(bind.counters());
        }
    }
}
