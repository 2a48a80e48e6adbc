package org.bind.multi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.bind.Bind;
import org.bind.IntArray;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;
import org.bind.transport.inproc.InProcJob;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code bind.on(r)}: which ranks run the ops of a scope, nesting, and what is refused. */
@ExtendWith(DumpThreadsOnTimeout.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@SuppressWarnings("try") // scopes are opened for their effect on placement, not referenced
class ScopesTest {
    private static final long JOB_TIMEOUT_S = 20;

    /** The ranks that ran each tagged op (ranks are threads of this JVM and share this map). */
    static final Map<String, Set<Integer>> RAN_ON = new ConcurrentHashMap<>();

    static final class ScopedOps {
        @Op
        static void mark(@Out IntArray a, String tag) {
            RAN_ON.computeIfAbsent(tag, k -> ConcurrentHashMap.newKeySet()).add(Bind.current().rank());
            java.util.Arrays.fill(a.data(), tag.length());
        }
    }

    static Set<Integer> ranOn(String tag) {
        return new TreeSet<>(RAN_ON.getOrDefault(tag, Set.of()));
    }

    @BeforeEach
    void forget() {
        RAN_ON.clear();
    }

    @Test
    void shouldRejectARankOutOfRangeNamingIt() {
        InProcJob.run(2, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            IllegalArgumentException five = assertThrows(IllegalArgumentException.class, () -> bind.on(5));
            assertEquals("rank 5 out of range [0, 2)", five.getMessage());
            IllegalArgumentException two = assertThrows(IllegalArgumentException.class, () -> bind.on(2));
            assertEquals("rank 2 out of range [0, 2)", two.getMessage());
            IllegalArgumentException negative = assertThrows(IllegalArgumentException.class, () -> bind.on(-1));
            assertEquals("rank -1 out of range [0, 2)", negative.getMessage());
            IntArray a = IntArray.of(4);
            ScopedOps.mark(a, "after refusals");
            bind.sync();
        });
        assertEquals(Set.of(0, 1), ranOn("after refusals"), "a refused scope leaves ops common");
    }

    @Test
    void shouldRejectRankOneInAJobOfOneRank() {
        InProcJob.run(1, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bind.on(1));
            assertEquals("rank 1 out of range [0, 1)", e.getMessage());
            IntArray a = IntArray.of(4);
            try (Scope s = bind.on(0)) {
                ScopedOps.mark(a, "on 0 alone");
            }
            bind.sync();
        });
        assertEquals(Set.of(0), ranOn("on 0 alone"));
    }

    @Test
    void shouldRunOpsOfNestedScopesOnTheSameRankThere() {
        InProcJob.run(3, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            IntArray a = IntArray.of(4);
            try (Scope outer = bind.on(1)) {
                ScopedOps.mark(a, "outer before");
                try (Scope inner = bind.on(1)) {
                    ScopedOps.mark(a, "inner");
                }
                ScopedOps.mark(a, "outer after");
            }
            ScopedOps.mark(a, "outside");
            bind.sync();
        });
        assertEquals(Set.of(1), ranOn("outer before"));
        assertEquals(Set.of(1), ranOn("inner"));
        assertEquals(Set.of(1), ranOn("outer after"), "closing the inner scope keeps the outer one");
        assertEquals(Set.of(0, 1, 2), ranOn("outside"), "ops are common again after the scope closes");
    }

    @Test
    void shouldRejectANestedScopeOnAnotherRankNamingBoth() {
        InProcJob.run(2, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            IntArray a = IntArray.of(4);
            try (Scope outer = bind.on(0)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bind.on(1));
                assertTrue(e.getMessage().contains("rank 1") && e.getMessage().contains("rank 0"), e.getMessage());
                ScopedOps.mark(a, "outer after refusal");
            }
            ScopedOps.mark(a, "outside");
            bind.sync();
        });
        assertEquals(Set.of(0), ranOn("outer after refusal"), "the refused scope leaves the outer one open");
        assertEquals(Set.of(0, 1), ranOn("outside"));
    }

    @Test
    void shouldPlaceOpsOfSuccessiveScopesOnTheirRanks() {
        int ranks = 4;
        InProcJob.run(ranks, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            IntArray a = IntArray.of(4);
            for (int r = ranks - 1; r >= 0; r--) {
                try (Scope s = bind.on(r)) {
                    ScopedOps.mark(a, "on " + r);
                }
                ScopedOps.mark(a, "common after " + r);
            }
            bind.sync();
        });
        for (int r = 0; r < ranks; r++) {
            assertEquals(Set.of(r), ranOn("on " + r));
            assertEquals(Set.of(0, 1, 2, 3), ranOn("common after " + r));
        }
    }
}
