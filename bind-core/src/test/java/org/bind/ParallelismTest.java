package org.bind;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.bind.testing.DumpStacksOnTimeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Independent ops run at the same time: ops that can only finish together (they meet at a barrier) all finish.
 * No timing is measured; a barrier that is never reached breaks after its timeout and fails the op.
 */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(60)
class ParallelismTest {
    static final class Ops {
        @Op
        static void meet(@ByRef CyclicBarrier barrier, @Out IntArray mark, int value)
            throws InterruptedException, BrokenBarrierException, TimeoutException {
            barrier.await(10, TimeUnit.SECONDS);
            Arrays.fill(mark.data(), value);
        }

        @Op
        static void meetAndAdd(@ByRef CyclicBarrier barrier, IntArray x, int value)
            throws InterruptedException, BrokenBarrierException, TimeoutException {
            barrier.await(10, TimeUnit.SECONDS);
            int[] d = x.data();
            for (int i = 0; i < d.length; i++) {
                d[i] += value;
            }
        }
    }

    @Test
    void shouldRunTwoIndependentOpsAtTheSameTimeOnTwoWorkers() throws Exception {
        try (Bind bind = Bind.init(new Bind.Context().workers(2))) {
            CyclicBarrier barrier = new CyclicBarrier(2);
            IntArray a = IntArray.of(2);
            IntArray b = IntArray.of(2);
            Ops.meet(barrier, a, 1);
            Ops.meet(barrier, b, 2);
            bind.sync();
            assertArrayEquals(new int[] {1, 1}, a.toArray());
            assertArrayEquals(new int[] {2, 2}, b.toArray());
        }
    }

    @Test
    void shouldRunAsManyIndependentOpsAtOnceAsThereAreWorkers() throws Exception {
        int workers = 4;
        try (Bind bind = Bind.init(new Bind.Context().workers(workers))) {
            for (int round = 0; round < 3; round++) {
                CyclicBarrier barrier = new CyclicBarrier(workers);
                IntArray[] xs = new IntArray[workers];
                for (int i = 0; i < workers; i++) {
                    xs[i] = IntArray.of(1);
                    Ops.meet(barrier, xs[i], 10 * round + i);
                }
                bind.sync();
                for (int i = 0; i < workers; i++) {
                    assertArrayEquals(new int[] {10 * round + i}, xs[i].toArray(), "round " + round + ", op " + i);
                }
            }
            assertEquals(3L * workers, bind.counters().opsRun());
        }
    }

    @Test
    void shouldRunIndependentChainsSideBySide() throws Exception {
        try (Bind bind = Bind.init(new Bind.Context().workers(2))) {
            IntArray x = IntArray.of(3);
            IntArray y = IntArray.of(3);
            int steps = 20;
            for (int i = 0; i < steps; i++) {
                CyclicBarrier barrier = new CyclicBarrier(2);
                Ops.meetAndAdd(barrier, x, i);     // step i of chain x meets step i of chain y
                Ops.meetAndAdd(barrier, y, 2 * i);
            }
            bind.sync();
            int sum = steps * (steps - 1) / 2;
            assertArrayEquals(new int[] {sum, sum, sum}, x.toArray());
            assertArrayEquals(new int[] {2 * sum, 2 * sum, 2 * sum}, y.toArray());
        }
    }
}
