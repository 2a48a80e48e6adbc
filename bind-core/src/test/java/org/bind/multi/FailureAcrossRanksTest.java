package org.bind.multi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.bind.Bind;
import org.bind.BindException;
import org.bind.In;
import org.bind.IntArray;
import org.bind.Op;
import org.bind.OpFailedException;
import org.bind.Out;
import org.bind.Scope;
import org.bind.Shared;
import org.bind.RemoteOpException;
import org.bind.transport.inproc.InProcJob;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An op that throws on one rank makes {@code sync()} throw {@link OpFailedException} on every rank, naming the
 * op and the rank, with the op's exception (or, elsewhere, its text) as the cause; ops that depend on it are
 * skipped on every rank; the next epoch works. A hang is caught by the job's timeout.
 */
@ExtendWith(DumpThreadsOnTimeout.class)
@Timeout(value = 40, unit = TimeUnit.SECONDS)
@SuppressWarnings("try") // scopes are opened for their effect on placement, not referenced
class FailureAcrossRanksTest {
    private static final long JOB_TIMEOUT_S = 10;
    private static final int N = 64;
    private static final String MESSAGE = "exploded on purpose, code ";

    /** Each rank's body runs of each op, by op name: ranks are threads of this JVM and share these. */
    static final Map<String, AtomicInteger> RUNS = new ConcurrentHashMap<>();
    /** The exception each rank's {@code explode} threw. */
    static final Map<Integer, Throwable> THROWN = new ConcurrentHashMap<>();

    static void ran(String op) {
        RUNS.computeIfAbsent(op, k -> new AtomicInteger()).incrementAndGet();
    }

    static int runs(String op) {
        AtomicInteger n = RUNS.get(op);
        return n == null ? 0 : n.get();
    }

    static final class FailingOps {
        @Op
        static void explode(IntArray a, int code) {
            ran("explode");
            IllegalStateException e = new IllegalStateException(MESSAGE + code);
            THROWN.put(Bind.current().rank(), e);
            throw e;
        }

        @Op
        static void explodeShared(Shared<Integer> s, int code) {
            ran("explodeShared");
            throw new IllegalStateException(MESSAGE + code);
        }

        @Op
        static void dependent(@In IntArray a, @Out IntArray b) {
            ran("dependent");
            System.arraycopy(a.data(), 0, b.data(), 0, b.data().length);
        }

        @Op
        static void readShared(@In Shared<Integer> s, @Out IntArray b) {
            ran("readShared");
            java.util.Arrays.fill(b.data(), s.get());
        }

        @Op
        static void independent(@Out IntArray c, int value) {
            ran("independent");
            java.util.Arrays.fill(c.data(), value);
        }
    }

    @BeforeEach
    void forgetRuns() {
        RUNS.clear();
        THROWN.clear();
    }

    @ParameterizedTest(name = "failing on rank {0} of 3")
    @ValueSource(ints = {0, 1, 2})
    void shouldThrowTheFailureOnEveryRankAndSkipDependentsEverywhere(int failing) {
        int ranks = 3;
        PerRank<OpFailedException> caught = new PerRank<>(ranks);
        InProcJob.run(ranks, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            IntArray a = IntArray.of(N);
            IntArray[] b = new IntArray[ranks];
            IntArray[] c = new IntArray[ranks];
            for (int r = 0; r < ranks; r++) {
                b[r] = IntArray.of(N);
                c[r] = IntArray.of(N);
            }
            IntArray common = IntArray.of(N);
            IntArray chained = IntArray.of(N);
            try (Scope s = bind.on(failing)) {
                FailingOps.explode(a, 7);
            }
            for (int r = 0; r < ranks; r++) {
                try (Scope s = bind.on(r)) {
                    FailingOps.dependent(a, b[r]);
                    FailingOps.independent(c[r], r);
                }
            }
            FailingOps.dependent(a, common);
            try (Scope s = bind.on((failing + 1) % ranks)) {
                FailingOps.dependent(b[(failing + 2) % ranks], chained);
            }
            caught.put(bind.rank(), assertThrows(OpFailedException.class, bind::sync, "sync on rank " + bind.rank()));
            // The next epoch works again.
            try (Scope s = bind.on(failing)) {
                FailingOps.independent(a, 5);
            }
            for (int r = 0; r < ranks; r++) {
                try (Scope s = bind.on(r)) {
                    FailingOps.dependent(a, b[r]);
                }
            }
            bind.sync();
            int[] fives = new int[N];
            java.util.Arrays.fill(fives, 5);
            assertArrayEquals(fives, b[bind.rank()].toArray(), "next epoch on rank " + bind.rank());
            int[] mine = new int[N];
            java.util.Arrays.fill(mine, bind.rank());
            assertArrayEquals(mine, c[bind.rank()].toArray(), "an independent op of the failed epoch ran");
        });
        for (int r = 0; r < ranks; r++) {
            OpFailedException e = caught.get(r);
            assertEquals("FailingOps.explode", e.opName(), "op name on rank " + r);
            assertEquals(failing, e.rank(), "failing rank as seen on rank " + r);
            assertNotNull(e.getCause(), "cause on rank " + r);
            if (r == failing) {
                assertSame(THROWN.get(failing), e.getCause(), "on the failing rank, the cause is the op's exception");
            } else {
                assertInstanceOf(RemoteOpException.class, e.getCause(), "cause on rank " + r);
                assertTrue(e.getCause().getMessage().contains(MESSAGE + 7), "cause on rank " + r + ": "
                    + e.getCause().getMessage());
            }
        }
        assertEquals(1, runs("explode"), "explode runs on its rank only");
        assertEquals(ranks, runs("dependent"), "only the next epoch's dependents ran (one per rank)");
        assertEquals(ranks + 1, runs("independent"), "independent ops ran");
    }

    @Test
    void shouldReportTheSameFailureOnEveryRankWhenACommonOpFails() {
        int ranks = 3;
        PerRank<OpFailedException> caught = new PerRank<>(ranks);
        InProcJob.run(ranks, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            IntArray a = IntArray.of(N);
            IntArray b = IntArray.of(N);
            FailingOps.explode(a, 3);
            try (Scope s = bind.on(1)) {
                FailingOps.dependent(a, b);
            }
            caught.put(bind.rank(), assertThrows(OpFailedException.class, bind::sync));
        });
        assertEquals(ranks, runs("explode"), "a common op runs on every rank");
        assertEquals(0, runs("dependent"));
        int reported = caught.get(0).rank();
        for (int r = 0; r < ranks; r++) {
            assertEquals("FailingOps.explode", caught.get(r).opName());
            assertEquals(reported, caught.get(r).rank(), "every rank reports the same first failure");
        }
        assertSame(THROWN.get(reported), caught.get(reported).getCause(), "own exception on rank " + reported);
    }

    @Test
    void shouldSkipReadersOfASharedValueWhoseWriterFailedOnEveryRank() {
        int ranks = 3;
        PerRank<OpFailedException> caught = new PerRank<>(ranks);
        InProcJob.run(ranks, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            Shared<Integer> s = Shared.of(4);
            IntArray[] b = new IntArray[ranks];
            for (int r = 0; r < ranks; r++) {
                b[r] = IntArray.of(N);
            }
            try (Scope scope = bind.on(2)) {
                FailingOps.explodeShared(s, 11);
            }
            for (int r = 0; r < ranks; r++) {
                try (Scope scope = bind.on(r)) {
                    FailingOps.readShared(s, b[r]);
                }
            }
            caught.put(bind.rank(), assertThrows(OpFailedException.class, bind::sync));
            BindException lost = assertThrows(BindException.class, s::get, "the value has no version on rank "
                + bind.rank());
            assertTrue(lost.getMessage().contains("FailingOps.explodeShared"), lost.getMessage());
            s.set(8);
            try (Scope scope = bind.on(bind.size() - 1)) {
                FailingOps.readShared(s, b[bind.size() - 1]);
            }
            bind.sync();
            assertEquals(8, s.get());
        });
        assertEquals(1, runs("readShared"), "only the next epoch's reader ran");
        for (int r = 0; r < ranks; r++) {
            assertEquals("FailingOps.explodeShared", caught.get(r).opName());
            assertEquals(2, caught.get(r).rank());
        }
    }

    @Test
    void shouldFailAnOpThatReadsAVersionLostInAnEarlierEpochOnTheSameRank() {
        PerRank<OpFailedException> caught = new PerRank<>(2);
        InProcJob.run(2, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            IntArray a = IntArray.of(N);
            IntArray b = IntArray.of(N);
            try (Scope s = bind.on(1)) {
                FailingOps.explode(a, 1);
            }
            assertThrows(OpFailedException.class, bind::sync);
            try (Scope s = bind.on(1)) {
                FailingOps.dependent(a, b);
            }
            caught.put(bind.rank(), assertThrows(OpFailedException.class, bind::sync,
                "reading a version lost in an earlier epoch fails the next sync on rank " + bind.rank()));
        });
        for (int r = 0; r < 2; r++) {
            assertEquals("FailingOps.dependent", caught.get(r).opName(), "on rank " + r);
            assertEquals(1, caught.get(r).rank(), "on rank " + r);
            assertTrue(caught.get(r).getMessage().contains("earlier epoch"), caught.get(r).getMessage());
        }
    }

    @Test
    void shouldFailAnOpThatReadsAVersionLostInAnEarlierEpochOnAnotherRank() {
        PerRank<OpFailedException> caught = new PerRank<>(2);
        InProcJob.run(2, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            IntArray a = IntArray.of(N);
            IntArray b = IntArray.of(N);
            try (Scope s = bind.on(1)) {
                FailingOps.explode(a, 1);
            }
            assertThrows(OpFailedException.class, bind::sync);
            try (Scope s = bind.on(0)) {
                FailingOps.dependent(a, b);
            }
            caught.put(bind.rank(), assertThrows(OpFailedException.class, bind::sync,
                "reading a version lost in an earlier epoch fails the next sync on rank " + bind.rank()));
        });
        assertEquals(0, runs("dependent"));
        for (int r = 0; r < 2; r++) {
            assertEquals("FailingOps.dependent", caught.get(r).opName(), "on rank " + r);
            assertEquals(0, caught.get(r).rank(), "on rank " + r);
            assertTrue(caught.get(r).getMessage().contains("earlier epoch"), caught.get(r).getMessage());
        }
    }
}
