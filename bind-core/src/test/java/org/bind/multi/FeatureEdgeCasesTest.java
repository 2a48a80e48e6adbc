package org.bind.multi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.bind.Bind;
import org.bind.BindException;
import org.bind.DoubleArray;
import org.bind.In;
import org.bind.Op;
import org.bind.OpFailedException;
import org.bind.Out;
import org.bind.transport.inproc.InProcJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The newer parts of the model used at their edges on 1-4 in-JVM ranks, each result compared with plain Java:
 * collections holding one object twice or also passed as another parameter, empty collections, collections read
 * on another rank, replicate of an object never written or to one rank only, instance ops on a receiver used both
 * in common and placed ops, and a failing instance op.
 */
@ExtendWith(DumpThreadsOnTimeout.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FeatureEdgeCasesTest {
    private static final long JOB_TIMEOUT_S = 40;

    static final class Ops {
        @Op
        static void fill(@Out DoubleArray a, double first) {
            double[] d = a.data();
            for (int i = 0; i < d.length; i++) {
                d[i] = first + i;
            }
        }

        /** {@code into = Σ parts}, in array order. */
        @Op
        static void sum(@In DoubleArray[] parts, @Out DoubleArray into) {
            double[] out = into.data();
            java.util.Arrays.fill(out, 0);
            for (DoubleArray part : parts) {
                double[] in = part.data();
                for (int i = 0; i < out.length; i++) {
                    out[i] += in[i];
                }
            }
        }

        /** {@code into += Σ parts}: into is read and written. */
        @Op
        static void accumulate(@In List<DoubleArray> parts, DoubleArray into) {
            double[] out = into.data();
            for (DoubleArray part : parts) {
                double[] in = part.data();
                for (int i = 0; i < out.length; i++) {
                    out[i] += in[i];
                }
            }
        }

        @Op
        static void count(@In List<DoubleArray> parts, @Out DoubleArray n) {
            n.data()[0] = parts.size();
        }
    }

    /** A plain receiver: its ops run in program order on each rank's own copy. */
    static final class Log {
        final List<String> entries = new ArrayList<>();

        @Op
        void add(String entry, @In DoubleArray value) {
            entries.add(entry + "=" + value.data()[0]);
        }

        @Op
        void failIf(boolean fail) {
            if (fail) {
                throw new IllegalStateException("log refused");
            }
            entries.add("ok");
        }
    }

    private static void run(int ranks, java.util.function.Consumer<Bind> program) {
        InProcJob.run(ranks, JOB_TIMEOUT_S, TimeUnit.SECONDS, program::accept);
    }

    @Test
    void shouldReadOneObjectTwiceInACollectionOnAnotherRank() {
        for (int ranks = 1; ranks <= 4; ranks++) {
            int size = ranks;
            run(size, bind -> {
                DoubleArray a = DoubleArray.of(5).named("a");
                DoubleArray b = DoubleArray.of(5).named("b");
                DoubleArray out = DoubleArray.of(5).named("out");
                bind.on(0, () -> Ops.fill(a, 1));
                bind.on(size > 1 ? 1 : 0, () -> Ops.fill(b, 10));
                bind.on(size - 1, () -> Ops.sum(new DoubleArray[] {a, b, a}, out));
                bind.replicate(out);
                assertArrayEquals(new double[] {12, 15, 18, 21, 24}, out.toArray(), "rank " + bind.rank());
                bind.sync();
            });
        }
    }

    @Test
    void shouldAliasAnObjectInACollectionThatIsAlsoWrittenByTheSameCall() {
        for (int ranks = 1; ranks <= 3; ranks++) {
            int size = ranks;
            run(size, bind -> {
                DoubleArray a = DoubleArray.of(3).named("a");
                DoubleArray acc = DoubleArray.of(3).named("acc");
                bind.on(0, () -> Ops.fill(a, 1));
                Ops.fill(acc, 100); // common
                // acc is both a list element and into: one object, one buffer, as in plain Java
                bind.on(size - 1, () -> Ops.accumulate(List.of(a, acc), acc));
                bind.replicate(acc);
                double[] plainA = {1, 2, 3};
                double[] plainAcc = {100, 101, 102};
                for (double[] part : List.of(plainA, plainAcc)) {
                    for (int i = 0; i < plainAcc.length; i++) {
                        plainAcc[i] += part[i];
                    }
                }
                assertArrayEquals(plainAcc, acc.toArray(), "rank " + bind.rank());
                bind.sync();
            });
        }
    }

    @Test
    void shouldPassEmptyCollections() {
        run(2, bind -> {
            DoubleArray n = DoubleArray.of(1);
            DoubleArray out = DoubleArray.of(2);
            bind.on(1, () -> Ops.count(List.of(), n));
            bind.on(0, () -> Ops.sum(new DoubleArray[0], out));
            bind.replicate(n, out);
            assertArrayEquals(new double[] {0}, n.toArray());
            assertArrayEquals(new double[2], out.toArray());
            bind.sync();
        });
    }

    @Test
    void shouldReplicateAnObjectNeverWrittenAsZeros() {
        run(3, bind -> {
            DoubleArray never = DoubleArray.of(4).named("never");
            bind.replicate(never);
            assertArrayEquals(new double[4], never.toArray(), "rank " + bind.rank());
            bind.on(2, () -> bind.replicate(never));
            assertArrayEquals(new double[4], never.toArray(), "rank " + bind.rank());
            bind.sync();
        });
    }

    @Test
    void shouldSayWhereAVersionReplicatedToOneRankLives() {
        run(3, bind -> {
            DoubleArray a = DoubleArray.of(2).named("A(1,2)");
            bind.on(0, () -> Ops.fill(a, 3));
            bind.on(2, () -> bind.replicate(a));
            if (bind.rank() == 1) {
                BindException e = assertThrows(BindException.class, a::toArray);
                assertTrue(e.getMessage().contains("A(1,2)") && e.getMessage().contains("rank 0"), e.getMessage());
            } else {
                assertArrayEquals(new double[] {3, 4}, a.toArray(), "rank " + bind.rank());
            }
            bind.sync();
        });
    }

    @Test
    void shouldOrderInstanceOpsOnAReceiverUsedInCommonAndPlacedOps() {
        for (int ranks = 1; ranks <= 3; ranks++) {
            int size = ranks;
            List<List<String>> logs = new ArrayList<>();
            run(size, bind -> {
                Log log = new Log();
                DoubleArray a = DoubleArray.of(1);
                bind.on(size - 1, () -> Ops.fill(a, 7));
                log.add("first", a);                       // every rank, after a travels
                bind.on(0, () -> log.add("second", a));      // rank 0 only
                Ops.fill(a, 9);                              // a new common version
                log.add("third", a);
                bind.sync();
                synchronized (logs) {
                    while (logs.size() <= bind.rank()) {
                        logs.add(null);
                    }
                    logs.set(bind.rank(), List.copyOf(log.entries));
                }
            });
            assertEquals(List.of("first=7.0", "second=7.0", "third=9.0"), logs.get(0), ranks + " ranks");
            for (int r = 1; r < size; r++) {
                assertEquals(List.of("first=7.0", "third=9.0"), logs.get(r), ranks + " ranks, rank " + r);
            }
        }
    }

    @Test
    void shouldReportAFailingInstanceOpOnEveryRankAndSkipTheLaterOnes() {
        List<String> messages = new ArrayList<>();
        List<List<String>> logs = new ArrayList<>();
        run(2, bind -> {
            Log log = new Log();
            log.failIf(false);
            bind.on(1, () -> log.failIf(true));
            log.failIf(false);
            OpFailedException e = assertThrows(OpFailedException.class, bind::sync);
            synchronized (messages) {
                messages.add(bind.rank() + ": " + e.getMessage());
                logs.add(List.copyOf(log.entries));
            }
        });
        assertEquals(2, messages.size());
        for (String m : messages) {
            assertTrue(m.contains("failIf") && m.contains("rank 1"), m);
        }
    }
}
