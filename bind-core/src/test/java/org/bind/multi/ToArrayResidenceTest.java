package org.bind.multi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.bind.Bind;
import org.bind.BindException;
import org.bind.DoubleArray;
import org.bind.In;
import org.bind.IntArray;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;
import org.bind.transport.inproc.InProcJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code toArray()} returns the latest version on every rank that holds it (its writer's rank, every rank after
 * a common write, and every rank that has read it) and elsewhere throws a {@link BindException} naming the
 * holder.
 */
@ExtendWith(DumpThreadsOnTimeout.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@SuppressWarnings("try") // scopes are opened for their effect on placement, not referenced
class ToArrayResidenceTest {
    private static final long JOB_TIMEOUT_S = 20;

    static final class Ops {
        @Op
        static void fill(@Out IntArray a, int value) {
            java.util.Arrays.fill(a.data(), value);
        }

        @Op
        static void fillDoubles(@Out DoubleArray d, double value) {
            java.util.Arrays.fill(d.data(), value);
        }

        @Op
        static void read(@In IntArray a, @Out IntArray b) {
            System.arraycopy(a.data(), 0, b.data(), 0, b.data().length);
        }
    }

    private static void assertLivesOn(int holder, Runnable read, String what) {
        BindException e = assertThrows(BindException.class, read::run, what);
        assertTrue(e.getMessage().contains("lives on rank " + holder), what + ": " + e.getMessage());
    }

    @Test
    void shouldReadOnTheWritersRankAndNameItElsewhere() {
        InProcJob.run(3, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            IntArray a = IntArray.of(10);
            DoubleArray d = DoubleArray.of(7);
            try (Scope s = bind.on(2)) {
                Ops.fill(a, 4);
                Ops.fillDoubles(d, 2.5);
            }
            // no sync: toArray waits for the producer on the holder
            if (bind.rank() == 2) {
                assertArrayEquals(new int[] {4, 4, 4, 4, 4, 4, 4, 4, 4, 4}, a.toArray());
                assertArrayEquals(new double[] {2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5}, d.toArray());
            } else {
                assertLivesOn(2, a::toArray, "IntArray on rank " + bind.rank());
                assertLivesOn(2, d::toArray, "DoubleArray on rank " + bind.rank());
            }
            bind.sync();
            if (bind.rank() != 2) {
                assertLivesOn(2, a::toArray, "IntArray on rank " + bind.rank() + " after sync");
            }
        });
    }

    @Test
    void shouldReadOnEveryRankThatReceivedTheVersion() {
        InProcJob.run(3, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            IntArray a = IntArray.of(5);
            IntArray b = IntArray.of(5);
            try (Scope s = bind.on(2)) {
                Ops.fill(a, 9);
            }
            try (Scope s = bind.on(0)) {
                Ops.read(a, b);
            }
            if (bind.rank() == 1) {
                assertLivesOn(2, a::toArray, "rank 1 neither wrote nor read it");
            } else {
                assertArrayEquals(new int[] {9, 9, 9, 9, 9}, a.toArray(), "on rank " + bind.rank());
            }
            bind.sync();
        });
    }

    @Test
    void shouldReadEverywhereAfterACommonWriteAndOnlyOnTheNewOwnerAfterAPlacedOne() {
        InProcJob.run(2, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            IntArray a = IntArray.of(3);
            assertArrayEquals(new int[3], a.toArray(), "a first version is on every rank");
            Ops.fill(a, 1);
            assertArrayEquals(new int[] {1, 1, 1}, a.toArray());
            try (Scope s = bind.on(1)) {
                Ops.fill(a, 2);
            }
            if (bind.rank() == 1) {
                assertArrayEquals(new int[] {2, 2, 2}, a.toArray());
            } else {
                assertLivesOn(1, a::toArray, "the common version was superseded on rank 1");
            }
            bind.sync();
        });
    }
}
