package org.bind;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.bind.testing.DumpStacksOnTimeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A program whose live objects alone outgrow the byte window (a factorization's matrix and its factor, say) is not
 * slowed by garbage collections that cannot find anything: once a collection released nothing, the runtime asks
 * for the next one only when the live bytes have grown. The program holds 4 MB of arrays under a 1 MB window and
 * updates them in place: once the live bytes have settled (a second), the runtime asks for no further collection in
 * the next three seconds (the live bytes swing by a few buffers, renamed by ops in flight, but never double).
 * Before, it asked again every 0.2 to 5 s, each a full collection stopping every thread of the program.
 */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(60)
class FruitlessCollectionTest {
    private static final int ARRAYS = 16;
    private static final int LENGTH = 64 * 1024; // 256 KB each
    private static final long WARM_UP_NS = TimeUnit.SECONDS.toNanos(1);
    private static final long RUN_NS = TimeUnit.SECONDS.toNanos(3);

    static final class Ops {
        @Op
        static void add(IntArray x, int value) {
            int[] d = x.data();
            for (int i = 0; i < d.length; i += 1024) {
                d[i] += value;
            }
        }
    }

    @Test
    void shouldNotCollectAgainWhileTheLiveBytesAreHeldByLiveObjects() throws Exception {
        int[][] expected = new int[ARRAYS][LENGTH];
        List<IntArray> arrays = new ArrayList<>();
        long atStart;
        long collections;
        try (Bind bind = Bind.init(new Bind.Context().workers(2).windowBytes(1 << 20))) {
            for (int i = 0; i < ARRAYS; i++) {
                arrays.add(IntArray.of(LENGTH));
            }
            bind.sync();
            int step = update(arrays, expected, 0, WARM_UP_NS); // the live bytes settle, the first collection is asked
            atStart = bind.counters().collections();
            update(arrays, expected, step, RUN_NS);
            bind.sync();
            collections = bind.counters().collections() - atStart;
            for (int i = 0; i < ARRAYS; i++) {
                assertArrayEquals(expected[i], arrays.get(i).toArray(), "array " + i + " differs from plain Java");
            }
        }
        assertTrue(atStart >= 1, "over the window, the runtime should ask for a collection to find dropped"
            + " objects at least once; it asked for none");
        assertTrue(collections <= 1, "every byte over the window is held by a live object, yet the runtime asked for "
            + collections + " more collections in 3 s");
    }

    /** Updates the arrays round-robin for {@code ns}, and the plain-Java copy alike; returns the next step. */
    private static int update(List<IntArray> arrays, int[][] expected, int from, long ns) throws InterruptedException {
        long start = System.nanoTime();
        int step = from;
        while (System.nanoTime() - start < ns) {
            int i = step % ARRAYS;
            Ops.add(arrays.get(i), step);
            for (int j = 0; j < LENGTH; j += 1024) {
                expected[i][j] += step;
            }
            step++;
            if (step % ARRAYS == 0) {
                Thread.sleep(5);
            }
        }
        return step;
    }
}
