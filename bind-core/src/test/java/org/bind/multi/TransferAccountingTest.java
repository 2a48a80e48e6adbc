package org.bind.multi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * How often versions cross the transport: once per rank that needs a version it does not hold, down the binary
 * tree over {@code [owner, requesters in program order]} (position i receives from position (i - 1) / 2), never
 * again once held, and never for the old contents of an {@code @Out} write.
 */
@ExtendWith(DumpThreadsOnTimeout.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@SuppressWarnings("try") // scopes are opened for their effect on placement, not referenced
class TransferAccountingTest {
    private static final long JOB_TIMEOUT_S = 20;
    private static final int N = 257;

    static final class Ops {
        @Op
        static void fill(@Out IntArray a, int seed) {
            int[] x = a.data();
            for (int i = 0; i < x.length; i++) {
                x[i] = seed + 3 * i;
            }
        }

        @Op
        static void copy(@In IntArray from, @Out IntArray to) {
            System.arraycopy(from.data(), 0, to.data(), 0, to.data().length);
        }

        @Op
        static void increment(IntArray a) {
            int[] x = a.data();
            for (int i = 0; i < x.length; i++) {
                x[i]++;
            }
        }

        @Op
        static void fillDoubles(@Out DoubleArray d, double seed) {
            double[] x = d.data();
            for (int i = 0; i < x.length; i++) {
                x[i] = seed + i / 7.0;
            }
        }

        @Op
        static void copyDoubles(@In DoubleArray from, @Out DoubleArray to) {
            System.arraycopy(from.data(), 0, to.data(), 0, to.data().length);
        }
    }

    static int[] filled(int n, int seed) {
        int[] x = new int[n];
        for (int i = 0; i < n; i++) {
            x[i] = seed + 3 * i;
        }
        return x;
    }

    static double[] filledDoubles(int n, double seed) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = seed + i / 7.0;
        }
        return x;
    }

    /** Versions each rank sends down the tree over {@code [owner, distinct requesters in order]}. */
    static int[] expectedSends(int ranks, int owner, List<Integer> requesters) {
        List<Integer> participants = new ArrayList<>();
        participants.add(owner);
        for (int requester : new LinkedHashSet<>(requesters)) {
            if (requester != owner) {
                participants.add(requester);
            }
        }
        int[] sends = new int[ranks];
        for (int position = 1; position < participants.size(); position++) {
            sends[participants.get((position - 1) / 2)]++;
        }
        return sends;
    }

    static Stream<Arguments> trees() {
        return Stream.of(
            Arguments.of(2, 0, List.of(1)),
            Arguments.of(4, 0, List.of(1, 2, 3)),
            Arguments.of(4, 0, List.of(3, 1, 2)),
            Arguments.of(4, 2, List.of(0, 3)),
            Arguments.of(4, 1, List.of(2, 2, 0, 3, 0)),
            Arguments.of(6, 0, List.of(5, 4, 3, 2, 1)),
            Arguments.of(5, 3, List.of(1, 0, 4, 2)));
    }

    @ParameterizedTest(name = "{0} ranks, owner {1}, readers {2}")
    @MethodSource("trees")
    void shouldSendAVersionOncePerReadingRankDownTheTree(int ranks, int owner, List<Integer> readers) {
        List<Integer> distinct = new ArrayList<>(new LinkedHashSet<>(readers));
        PerRank<Traffic> firstEpoch = new PerRank<>(ranks);
        PerRank<Traffic> secondEpoch = new PerRank<>(ranks);
        InProcJob.run(ranks, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            IntArray a = IntArray.of(N);
            IntArray[] copies = new IntArray[readers.size()];
            IntArray[] again = new IntArray[readers.size()];
            for (int i = 0; i < readers.size(); i++) {
                copies[i] = IntArray.of(N);
                again[i] = IntArray.of(N);
            }
            try (Scope s = bind.on(owner)) {
                Ops.fill(a, 11);
            }
            Traffic start = Traffic.of(bind);
            for (int i = 0; i < readers.size(); i++) {
                try (Scope s = bind.on(readers.get(i))) {
                    Ops.copy(a, copies[i]);
                }
            }
            bind.sync();
            Traffic afterFirst = Traffic.of(bind);
            firstEpoch.put(bind.rank(), afterFirst.minus(start));
            for (int i = 0; i < readers.size(); i++) {
                try (Scope s = bind.on(readers.get(i))) {
                    Ops.copy(a, again[i]);
                }
            }
            try (Scope s = bind.on(owner)) {
                Ops.copy(a, again[0]);
            }
            bind.sync();
            secondEpoch.put(bind.rank(), Traffic.of(bind).minus(afterFirst));
            for (int i = 0; i < readers.size(); i++) {
                if (readers.get(i) == bind.rank()) {
                    assertArrayEquals(filled(N, 11), copies[i].toArray(), "copy " + i + " on rank " + bind.rank());
                }
            }
        });
        int k = distinct.size();
        String all = Traffic.describe(firstEpoch);
        assertEquals(k, Traffic.sumReceived(firstEpoch), "versions received in total" + all);
        assertEquals(k, Traffic.sumSent(firstEpoch), "versions sent in total" + all);
        assertTrue(firstEpoch.get(owner).versionsSent() <= 2, "the owner sends at most twice" + all);
        int[] sends = expectedSends(ranks, owner, readers);
        long bytesSent = 0;
        long bytesReceived = 0;
        for (int r = 0; r < ranks; r++) {
            Traffic t = firstEpoch.get(r);
            assertEquals(distinct.contains(r) ? 1 : 0, t.versionsReceived(), "versions received by rank " + r + all);
            assertEquals(sends[r], t.versionsSent(), "versions sent by rank " + r + " (tree " + owner + " "
                + distinct + ")" + all);
            if (distinct.contains(r)) {
                assertTrue(t.bytesReceived() >= 4L * N, "bytes received by rank " + r + all);
            }
            bytesSent += t.bytesSent();
            bytesReceived += t.bytesReceived();
        }
        assertEquals(bytesSent, bytesReceived, "bytes sent and received" + all);
        for (int r = 0; r < ranks; r++) {
            Traffic t = secondEpoch.get(r);
            assertEquals(0, t.versionsSent() + t.versionsReceived() + t.bytesSent() + t.bytesReceived(),
                "rank " + r + " holds the version already: nothing moves in the next epoch" + Traffic.describe(secondEpoch));
        }
    }

    @Test
    void shouldBroadcastAVersionReadByACommonOpOnceToEveryOtherRank() {
        int ranks = 4;
        int owner = 2;
        PerRank<Traffic> traffic = new PerRank<>(ranks);
        InProcJob.run(ranks, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            IntArray a = IntArray.of(N);
            IntArray b = IntArray.of(N);
            try (Scope s = bind.on(owner)) {
                Ops.fill(a, 5);
            }
            Ops.copy(a, b);
            Ops.increment(b);
            bind.sync();
            traffic.put(bind.rank(), Traffic.of(bind));
            int[] expected = filled(N, 5);
            for (int i = 0; i < N; i++) {
                expected[i]++;
            }
            assertArrayEquals(expected, b.toArray(), "common copy on rank " + bind.rank());
            assertArrayEquals(filled(N, 5), a.toArray(), "every rank holds the broadcast version");
        });
        String all = Traffic.describe(traffic);
        int[] sends = expectedSends(ranks, owner, List.of(0, 1, 3));
        for (int r = 0; r < ranks; r++) {
            assertEquals(r == owner ? 0 : 1, traffic.get(r).versionsReceived(), "versions received by rank " + r + all);
            assertEquals(sends[r], traffic.get(r).versionsSent(), "versions sent by rank " + r + all);
        }
        assertEquals(ranks - 1, Traffic.sumSent(traffic), "versions sent in total" + all);
        assertTrue(traffic.get(owner).versionsSent() <= 2, "the owner sends at most twice" + all);
    }

    @Test
    void shouldNeverMoveTheOldContentsOfAnOutWrite() {
        int ranks = 3;
        PerRank<Traffic> traffic = new PerRank<>(ranks);
        InProcJob.run(ranks, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            IntArray a = IntArray.of(N);
            IntArray b = IntArray.of(N);
            try (Scope s = bind.on(1)) {
                Ops.fill(a, 1);
                Ops.fill(b, 1);
            }
            try (Scope s = bind.on(0)) {
                Ops.fill(a, 2);          // @Out on rank 0 over a version that lives on rank 1
            }
            Ops.fill(b, 3);              // common @Out over a version that lives on rank 1
            bind.sync();
            traffic.put(bind.rank(), Traffic.of(bind));
            assertArrayEquals(filled(N, 3), b.toArray(), "b on rank " + bind.rank());
            if (bind.rank() == 0) {
                assertArrayEquals(filled(N, 2), a.toArray());
            } else {
                BindException e = assertThrows(BindException.class, a::toArray);
                assertTrue(e.getMessage().contains("lives on rank 0"), e.getMessage());
            }
        });
        String all = Traffic.describe(traffic);
        assertEquals(0, Traffic.sumSent(traffic), "versions sent" + all);
        assertEquals(0, Traffic.sumReceived(traffic), "versions received" + all);
    }

    @Test
    void shouldMoveTheOldContentsOfAReadWriteOpOnAnotherRank() {
        int ranks = 2;
        PerRank<Traffic> traffic = new PerRank<>(ranks);
        InProcJob.run(ranks, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            IntArray a = IntArray.of(N);
            try (Scope s = bind.on(1)) {
                Ops.fill(a, 1);
            }
            try (Scope s = bind.on(0)) {
                Ops.increment(a);
            }
            bind.sync();
            traffic.put(bind.rank(), Traffic.of(bind));
            if (bind.rank() == 0) {
                assertArrayEquals(filled(N, 2), a.toArray());
            }
        });
        String all = Traffic.describe(traffic);
        assertEquals(1, traffic.get(1).versionsSent(), all);
        assertEquals(1, traffic.get(0).versionsReceived(), all);
    }

    static Stream<Arguments> relayOrders() {
        return Stream.of(Arguments.of(List.of(1, 2, 3)), Arguments.of(List.of(3, 1, 2)), Arguments.of(List.of(2, 3, 1)));
    }

    @ParameterizedTest(name = "readers {0}")
    @MethodSource("relayOrders")
    void shouldDeliverChunkedVersionsIntactThroughARelay(List<Integer> readers) {
        int ranks = 4;
        int ints = 1500;         // 6000 bytes: about 94 chunks of 64 bytes
        int doubles = 777;       // 6216 bytes: the last chunk is partial
        PerRank<Traffic> traffic = new PerRank<>(ranks);
        InProcJob.run(ranks, () -> new Bind.Context().chunkBytes(64), JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            IntArray a = IntArray.of(ints);
            DoubleArray d = DoubleArray.of(doubles);
            IntArray[] copies = new IntArray[ranks];
            DoubleArray[] doubleCopies = new DoubleArray[ranks];
            for (int r = 0; r < ranks; r++) {
                copies[r] = IntArray.of(ints);
                doubleCopies[r] = DoubleArray.of(doubles);
            }
            try (Scope s = bind.on(0)) {
                Ops.fill(a, -40);
                Ops.fillDoubles(d, 0.1);
            }
            for (int r : readers) {
                try (Scope s = bind.on(r)) {
                    Ops.copy(a, copies[r]);
                    Ops.copyDoubles(d, doubleCopies[r]);
                }
            }
            bind.sync();
            traffic.put(bind.rank(), Traffic.of(bind));
            if (bind.rank() != 0) {
                assertArrayEquals(filled(ints, -40), copies[bind.rank()].toArray(), "ints on rank " + bind.rank());
                assertArrayEquals(filledDoubles(doubles, 0.1), doubleCopies[bind.rank()].toArray(),
                    "doubles on rank " + bind.rank());
            }
        });
        String all = Traffic.describe(traffic);
        int[] sends = expectedSends(ranks, 0, readers);
        for (int r = 0; r < ranks; r++) {
            assertEquals(2L * sends[r], traffic.get(r).versionsSent(), "versions sent by rank " + r + all);
            assertEquals(r == 0 ? 0 : 2, traffic.get(r).versionsReceived(), "versions received by rank " + r + all);
            if (r != 0) {
                assertTrue(traffic.get(r).bytesReceived() >= 4L * ints + 8L * doubles, "bytes received by rank " + r + all);
            }
        }
    }
}
