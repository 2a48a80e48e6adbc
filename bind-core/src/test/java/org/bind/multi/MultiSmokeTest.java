package org.bind.multi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;

import org.bind.*;
import org.bind.transport.inproc.InProcJob;
import org.junit.jupiter.api.Test;

class MultiSmokeTest {
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
        static void raise(Shared<Integer> s, int rank) {
            s.set(Math.max(s.get(), rank));
        }
    }

    @Test
    void shouldMoveDataBetweenRanks() {
        for (int n = 1; n <= 4; n++) {
            int ranks = n;
            InProcJob.run(ranks, () -> new Bind.Context().chunkBytes(64), 60, TimeUnit.SECONDS, bind -> {
                IntArray a = IntArray.of(100);
                IntArray b = IntArray.of(100);
                Shared<Integer> max = Shared.of(-1);
                try (Scope s = bind.on(ranks - 1)) {
                    Ops.fill(a, 3);
                }
                for (int r = 0; r < ranks; r++) {
                    try (Scope s = bind.on(r)) {
                        Ops.raise(max, r);
                    }
                }
                try (Scope s = bind.on(0)) {
                    Ops.addInto(a, b);
                }
                Ops.addInto(a, b);   // common: every rank needs a
                bind.sync();
                assertEquals(ranks - 1, max.get());
                int[] expected = new int[100];
                java.util.Arrays.fill(expected, 6);
                assertArrayEquals(expected, b.toArray());
                System.out.println("rank " + bind.rank() + " " + bind.counters());
            });
        }
    }
}
