package org.bind.multi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;

import org.bind.Bind;
import org.bind.In;
import org.bind.IntArray;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;
import org.bind.Shared;
import org.bind.transport.inproc.InProcJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** A {@code Shared<T>} written by an op placed on one rank reaches every rank. */
@ExtendWith(DumpThreadsOnTimeout.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@SuppressWarnings("try") // scopes are opened for their effect on placement, not referenced
class SharedValuesTest {
    private static final long JOB_TIMEOUT_S = 20;

    /** A record of codec-able components. */
    record Point(int x, long y, String label) {
    }

    static final class Ops {
        @Op
        static void setInt(@Out Shared<Integer> s, int value) {
            s.set(value);
        }

        @Op
        static void setLong(Shared<Long> s, long value) {
            s.set(s.get() * 10 + value);
        }

        @Op
        static void setText(@Out Shared<String> s, String value) {
            s.set(value);
        }

        @Op
        static void setDoubles(@Out Shared<double[]> s, double value) {
            s.set(new double[] {value, -value, value / 3});
        }

        @Op
        static void setPoint(@Out Shared<Point> s, int x) {
            s.set(new Point(x, x * 1_000_000_000_000L, "p" + x));
        }

        @Op
        static void addOne(Shared<Integer> s) {
            s.set(s.get() + 1);
        }

        @Op
        static void spread(@In Shared<Integer> s, @Out IntArray a) {
            java.util.Arrays.fill(a.data(), s.get());
        }
    }

    @Test
    void shouldShowAValueWrittenOnOneRankOnEveryRankAfterSync() {
        int ranks = 4;
        InProcJob.run(ranks, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            for (int writer = 0; writer < ranks; writer++) {
                Shared<Integer> i = Shared.of(-1);
                Shared<Long> l = Shared.of(7L);
                Shared<String> t = Shared.of("none");
                Shared<double[]> d = Shared.of(new double[0]);
                Shared<Point> p = Shared.of(new Point(0, 0, ""));
                try (Scope s = bind.on(writer)) {
                    Ops.setInt(i, 100 + writer);
                    Ops.setLong(l, writer);
                    Ops.setText(t, "written on rank " + writer);
                    Ops.setDoubles(d, writer + 0.5);
                    Ops.setPoint(p, writer);
                }
                bind.sync();
                String where = "written on rank " + writer + ", read on rank " + bind.rank();
                assertEquals(100 + writer, i.get(), where);
                assertEquals(70L + writer, l.get(), where);
                assertEquals("written on rank " + writer, t.get(), where);
                assertArrayEquals(new double[] {writer + 0.5, -(writer + 0.5), (writer + 0.5) / 3}, d.get(), where);
                assertEquals(new Point(writer, writer * 1_000_000_000_000L, "p" + writer), p.get(), where);
            }
        });
    }

    @Test
    void shouldChainWritesOfOneValueAcrossRanks() {
        int ranks = 3;
        InProcJob.run(ranks, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            Shared<Integer> counter = Shared.of(0);
            IntArray spread = IntArray.of(5);
            for (int round = 0; round < 10; round++) {
                try (Scope s = bind.on(round % ranks)) {
                    Ops.addOne(counter);
                }
                Ops.addOne(counter);      // common: every rank on its own replica
            }
            try (Scope s = bind.on(ranks - 1)) {
                Ops.spread(counter, spread);
            }
            bind.sync();
            assertEquals(20, counter.get(), "on rank " + bind.rank());
            if (bind.rank() == ranks - 1) {
                assertArrayEquals(new int[] {20, 20, 20, 20, 20}, spread.toArray());
            }
        });
    }

    @Test
    void shouldLetGetWaitForAValueWrittenOnAnotherRank() {
        InProcJob.run(3, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            Shared<Integer> s = Shared.of(0);
            for (int round = 1; round <= 20; round++) {
                try (Scope scope = bind.on(round % 3)) {
                    Ops.setInt(s, round);
                }
                assertEquals(round, s.get(), "round " + round + " on rank " + bind.rank());
            }
            bind.sync();
        });
    }

    @Test
    void shouldNotSendABroadcastValueAgainToOpsThatReadIt() {
        int ranks = 4;
        PerRank<Traffic> traffic = new PerRank<>(ranks);
        InProcJob.run(ranks, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            Shared<Integer> s = Shared.of(0);
            IntArray[] out = new IntArray[ranks + 1];
            for (int r = 0; r <= ranks; r++) {
                out[r] = IntArray.of(3);
            }
            try (Scope scope = bind.on(1)) {
                Ops.setInt(s, 9);
            }
            for (int r = 0; r < ranks; r++) {
                try (Scope scope = bind.on(r)) {
                    Ops.spread(s, out[r]);
                }
            }
            Ops.spread(s, out[ranks]);
            bind.sync();
            traffic.put(bind.rank(), Traffic.of(bind));
            assertArrayEquals(new int[] {9, 9, 9}, out[bind.rank()].toArray());
            assertArrayEquals(new int[] {9, 9, 9}, out[ranks].toArray());
        });
        String all = Traffic.describe(traffic);
        assertEquals(ranks - 1, Traffic.sumReceived(traffic), "only the broadcast moves" + all);
        assertEquals(ranks - 1, Traffic.sumSent(traffic), "only the broadcast moves" + all);
        assertEquals(0, traffic.get(1).versionsReceived(), all);
    }
}
