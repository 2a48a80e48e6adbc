package org.bind.multi;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.bind.Bind;
import org.bind.BindException;
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
 * Ranks that submit different ops (a rank-dependent branch around an op) fail at the next {@code sync()} on every
 * rank with a message naming the first differing op and what each rank submitted there, also when the branch
 * would leave a rank waiting for data that never comes. A hang is caught by the job's timeout.
 */
@ExtendWith(DumpThreadsOnTimeout.class)
@Timeout(value = 40, unit = TimeUnit.SECONDS)
@SuppressWarnings("try") // scopes are opened for their effect on placement, not referenced
class DivergenceTest {
    private static final long JOB_TIMEOUT_S = 10;
    private static final int N = 16;

    static final class DivergentOps {
        @Op
        static void first(IntArray a) {
            a.data()[0]++;
        }

        @Op
        static void second(IntArray a) {
            a.data()[1]++;
        }

        @Op
        static void extra(IntArray a) {
            a.data()[2]++;
        }

        @Op
        static void last(IntArray a) {
            a.data()[3]++;
        }

        @Op
        static void read(@In IntArray a, @Out IntArray b) {
            System.arraycopy(a.data(), 0, b.data(), 0, b.data().length);
        }
    }

    private static BindException syncFails(Bind bind) {
        return assertThrows(BindException.class, bind::sync, "sync on rank " + bind.rank());
    }

    private static void assertNames(PerRank<BindException> caught, String... parts) {
        for (int r = 0; r < caught.ranks(); r++) {
            String message = caught.get(r).getMessage();
            assertTrue(message.contains("divergence"), "rank " + r + ": " + message);
            for (String part : parts) {
                assertTrue(message.contains(part), "rank " + r + " should name " + part + ": " + message);
            }
        }
    }

    @Test
    void shouldReportAnExtraCommonOpOnOneRankOnEveryRank() {
        PerRank<BindException> caught = new PerRank<>(3);
        InProcJob.run(3, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            IntArray a = IntArray.of(N);
            DivergentOps.first(a);
            DivergentOps.second(a);
            if (bind.rank() == 1) {
                DivergentOps.extra(a);
            }
            DivergentOps.last(a);
            caught.put(bind.rank(), syncFails(bind));
        });
        assertNames(caught, "#2", "submitted DivergentOps.extra (common)", "submitted DivergentOps.last (common)");
    }

    @Test
    void shouldReportAnExtraOpPlacedOnAnotherRank() {
        PerRank<BindException> caught = new PerRank<>(2);
        InProcJob.run(2, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            IntArray a = IntArray.of(N);
            DivergentOps.first(a);
            if (bind.rank() == 0) {
                try (Scope s = bind.on(1)) {
                    DivergentOps.extra(a);   // rank 0 now believes a lives on rank 1
                }
            }
            DivergentOps.last(a);            // so rank 0 waits for it from rank 1
            caught.put(bind.rank(), syncFails(bind));
        });
        assertNames(caught, "#1", "submitted DivergentOps.extra on rank 1", "submitted DivergentOps.last (common)");
    }

    @Test
    void shouldReportAnExtraReadOfDataThatNeverComesInsteadOfHanging() {
        PerRank<BindException> caught = new PerRank<>(2);
        InProcJob.run(2, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            IntArray a = IntArray.of(N);
            IntArray b = IntArray.of(N);
            try (Scope s = bind.on(1)) {
                DivergentOps.first(a);
            }
            if (bind.rank() == 0) {
                try (Scope s = bind.on(0)) {
                    DivergentOps.read(a, b);   // only rank 0 knows it must receive a from rank 1
                }
            }
            caught.put(bind.rank(), syncFails(bind));
        });
        assertNames(caught, "#1", "submitted DivergentOps.read on rank 0", "submitted nothing there");
    }

    @Test
    void shouldReportExtraReadsOfDataThatNeverComesWhenTheyFillTheWindow() {
        PerRank<BindException> caught = new PerRank<>(2);
        InProcJob.run(2, () -> new Bind.Context().windowOps(2), JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            IntArray a = IntArray.of(N);
            IntArray b = IntArray.of(N);
            try (Scope s = bind.on(1)) {
                DivergentOps.first(a);
            }
            caught.put(bind.rank(), assertThrows(BindException.class, () -> {
                if (bind.rank() == 0) {
                    for (int i = 0; i < 5; i++) {
                        try (Scope s = bind.on(0)) {
                            DivergentOps.read(a, b);   // waits for a from rank 1, and fills rank 0's window
                        }
                    }
                }
                bind.sync();
            }, "rank " + bind.rank()));
        });
        assertNames(caught);
    }

    @Test
    void shouldReportAnExtraSendAndDropTheUnexpectedData() {
        PerRank<BindException> caught = new PerRank<>(2);
        PerRank<Traffic> traffic = new PerRank<>(2);
        InProcJob.run(2, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            IntArray a = IntArray.of(N);
            IntArray b = IntArray.of(N);
            try (Scope s = bind.on(0)) {
                DivergentOps.first(a);
            }
            if (bind.rank() == 0) {
                try (Scope s = bind.on(1)) {
                    DivergentOps.read(a, b);   // rank 0 sends a to rank 1, which does not expect it
                }
            }
            caught.put(bind.rank(), syncFails(bind));
            traffic.put(bind.rank(), Traffic.of(bind));
        });
        assertNames(caught, "#1", "submitted DivergentOps.read on rank 1", "submitted nothing there");
        assertTrue(traffic.get(1).framesDropped() >= 1, "rank 1 drops the data it never asked for"
            + Traffic.describe(traffic));
    }

    @Test
    void shouldReportTheSameOpPlacedOnDifferentRanks() {
        PerRank<BindException> caught = new PerRank<>(2);
        InProcJob.run(2, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            IntArray a = IntArray.of(N);
            DivergentOps.first(a);
            try (Scope s = bind.on(bind.rank())) {
                DivergentOps.second(a);
            }
            caught.put(bind.rank(), syncFails(bind));
        });
        assertNames(caught, "#1", "submitted DivergentOps.second on rank 0", "submitted DivergentOps.second on rank 1");
    }

    @Test
    void shouldLocateADivergenceDeepInALongEpoch() {
        PerRank<BindException> caught = new PerRank<>(2);
        InProcJob.run(2, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            IntArray a = IntArray.of(N);
            for (int i = 0; i < 600; i++) {
                if (i == 300 && bind.rank() == 1) {
                    DivergentOps.extra(a);
                }
                DivergentOps.first(a);
            }
            caught.put(bind.rank(), syncFails(bind));
        });
        assertNames(caught, "#300", "submitted DivergentOps.first (common)", "submitted DivergentOps.extra (common)");
    }

    @Test
    void shouldNotLeaveOtherRanksWaitingWhenAReadFailsOnDivergence() {
        PerRank<BindException> caught = new PerRank<>(2);
        InProcJob.run(2, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            IntArray a = IntArray.of(N);
            IntArray b = IntArray.of(N);
            try (Scope s = bind.on(1)) {
                DivergentOps.first(a);
            }
            if (bind.rank() == 0) {
                try (Scope s = bind.on(0)) {
                    DivergentOps.read(a, b);
                }
                BindException e = assertThrows(BindException.class, b::toArray, "waits for data that never comes");
                assertTrue(e.getMessage().contains("divergence"), e.getMessage());
                caught.put(0, e);
                assertThrows(BindException.class, bind::sync, "the job is unusable after the divergence");
            } else {
                caught.put(1, syncFails(bind));
            }
        });
    }
}
