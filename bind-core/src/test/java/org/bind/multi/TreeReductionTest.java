package org.bind.multi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.bind.Bind;
import org.bind.DoubleArray;
import org.bind.In;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;
import org.bind.testing.DumpStacksOnTimeout;
import org.bind.transport.inproc.InProcJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A tree reduction over parts spread across ranks, one op per pair and level taking the pair as an array of
 * versions, then {@code replicate} of the result: equal bit for bit to the same tree computed in plain Java, on
 * 1-4 ranks and 1-3 workers.
 */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(240)
class TreeReductionTest {
    static final class Ops {
        @Op
        static void fill(@Out DoubleArray a, long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            double[] d = a.data();
            for (int i = 0; i < d.length; i++) {
                d[i] = random.nextDouble() * 1e3 - 500;
            }
        }

        @Op
        static void sum(@In DoubleArray[] parts, @Out DoubleArray into) {
            double[] out = into.data();
            for (DoubleArray part : parts) {
                double[] in = part.data();
                for (int i = 0; i < out.length; i++) {
                    out[i] += in[i];
                }
            }
        }
    }

    private static double[] part(long seed, int n) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = random.nextDouble() * 1e3 - 500;
        }
        return d;
    }

    /** The same pairing as the program below, in plain Java. */
    private static double[] sequential(int parts, int n) {
        List<double[]> level = new ArrayList<>();
        for (int i = 0; i < parts; i++) {
            level.add(part(1000 + i, n));
        }
        while (level.size() > 1) {
            List<double[]> next = new ArrayList<>();
            for (int i = 0; i < level.size(); i += 2) {
                double[] out = new double[n];
                for (int j = i; j < Math.min(i + 2, level.size()); j++) {
                    for (int k = 0; k < n; k++) {
                        out[k] += level.get(j)[k];
                    }
                }
                next.add(out);
            }
            level = next;
        }
        return level.get(0);
    }

    @Test
    void shouldEqualTheSequentialTreeBitForBit() {
        int parts = 11;
        int n = 3000; // several chunks at the chunk size below
        double[] expected = sequential(parts, n);
        for (int ranks = 1; ranks <= 4; ranks++) {
            for (int workers = 1; workers <= 3; workers++) {
                int size = ranks;
                int w = workers;
                InProcJob.run(size, () -> new Bind.Context().workers(w).chunkBytes(4096), 120, TimeUnit.SECONDS,
                    bind -> {
                        List<DoubleArray> level = new ArrayList<>();
                        List<Integer> owners = new ArrayList<>();
                        for (int i = 0; i < parts; i++) {
                            DoubleArray p = DoubleArray.of(n).named("part" + i);
                            int owner = i % size;
                            try (Scope s = bind.on(owner)) {
                                Ops.fill(p, 1000 + i);
                            }
                            level.add(p);
                            owners.add(owner);
                        }
                        while (level.size() > 1) {
                            List<DoubleArray> next = new ArrayList<>();
                            List<Integer> nextOwners = new ArrayList<>();
                            for (int i = 0; i < level.size(); i += 2) {
                                DoubleArray[] pair = level.subList(i, Math.min(i + 2, level.size()))
                                    .toArray(new DoubleArray[0]);
                                DoubleArray out = DoubleArray.of(n);
                                int owner = owners.get(i);
                                bind.on(owner, () -> Ops.sum(pair, out));
                                next.add(out);
                                nextOwners.add(owner);
                            }
                            level = next;
                            owners = nextOwners;
                        }
                        DoubleArray total = level.get(0);
                        bind.replicate(total);
                        assertArrayEquals(expected, total.toArray(), "rank " + bind.rank());
                        bind.sync();
                    });
            }
        }
    }

    @Test
    void shouldReplicateToOneRankInsideItsScope() {
        for (int ranks = 2; ranks <= 3; ranks++) {
            int size = ranks;
            InProcJob.run(size, () -> new Bind.Context().chunkBytes(1024), 60, TimeUnit.SECONDS, bind -> {
                DoubleArray a = DoubleArray.of(500);
                try (Scope s = bind.on(0)) {
                    Ops.fill(a, 7);
                }
                try (Scope s = bind.on(size - 1)) {
                    bind.replicate(a);
                }
                if (bind.rank() == 0 || bind.rank() == size - 1) {
                    assertArrayEquals(part(7, 500), a.toArray());
                } else {
                    org.bind.BindException e = org.junit.jupiter.api.Assertions.assertThrows(
                        org.bind.BindException.class, a::toArray);
                    org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("lives on rank 0"),
                        e.getMessage());
                }
                bind.sync();
            });
        }
    }
}
