package org.bind;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.bind.testing.DumpStacksOnTimeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Long dependency chains where the program submits each op while its input is being produced: the window in
 * which a version completes while the program binds it as an input is hit many times, and no update may be
 * lost. Sequential Java gives the expected values.
 */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(60)
class ChainStressTest {
    private static final int OPS = 200_000;

    static final class Ops {
        @Op
        static void step(IntArray x, int i) {
            int[] d = x.data();
            d[0] = d[0] * 31 + i;
            d[1] += 1;
        }

        @Op
        static void follow(@In IntArray from, IntArray to) {
            int[] a = from.data();
            int[] b = to.data();
            b[0] = b[0] * 7 + a[0];
            b[1] += a[1];
        }
    }

    @Test
    void shouldNotLoseUpdatesAlongAReadWriteChainOnOneWorker() {
        assertChainMatchesSequentialJava(1);
    }

    @Test
    void shouldNotLoseUpdatesAlongAReadWriteChainOnTwoWorkers() {
        assertChainMatchesSequentialJava(2);
    }

    private static void assertChainMatchesSequentialJava(int workers) {
        int[] x = new int[2];
        int[] y = new int[2];
        for (int i = 0; i < OPS; i++) {
            x[0] = x[0] * 31 + i;
            x[1] += 1;
            if (i % 3 == 0) {
                y[0] = y[0] * 7 + x[0];
                y[1] += x[1];
            }
        }
        try (Bind bind = Bind.init(new Bind.Context().workers(workers))) {
            IntArray bx = IntArray.of(2);
            IntArray by = IntArray.of(2);
            for (int i = 0; i < OPS; i++) {
                Ops.step(bx, i);
                if (i % 3 == 0) {
                    Ops.follow(bx, by);
                }
            }
            bind.sync();
            assertEquals(OPS, bx.toArray()[1], "updates of the chain that were kept");
            assertArrayEquals(x, bx.toArray(), "the chain's value");
            assertArrayEquals(y, by.toArray(), "the follower's value");
        }
    }
}
