package org.bind;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.bind.testing.DumpStacksOnTimeout;
import org.bind.transport.inproc.InProcJob;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Checked mode ({@code -Dbind.check=true}): an op that writes into an {@code @In} version, or a version changed
 * through a {@code data()} array kept past its op, fails with {@link OpFailedException} naming the op, the
 * parameter, the object and the violation; the version read by every rank stays what its producer made. Off by
 * default. The oracle is the program's plain values (every element known).
 */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(60)
@SuppressWarnings("try") // scopes are opened for their effect on placement
class CheckedModeTest {
    private static final int N = 32;
    /** A data() array an op kept (per rank: ranks are threads of this JVM). */
    static final Map<Integer, int[]> KEPT = new ConcurrentHashMap<>();

    static final class Ops {
        @Op
        static void fill(@Out IntArray a, int value) {
            Arrays.fill(a.data(), value);
        }

        /** Writes its {@code @In} argument: the misuse checked mode catches. */
        @Op
        static void corrupt(@In IntArray source, @Out IntArray target) {
            int[] in = source.data();
            in[3] = -1;
            System.arraycopy(in, 0, target.data(), 0, in.length);
        }

        @Op
        static void fillAndKeep(@Out IntArray a, int value, int rank) {
            Arrays.fill(a.data(), value);
            KEPT.put(rank, a.data());
        }

        @Op
        static void copy(@In IntArray source, @Out IntArray target) {
            System.arraycopy(source.data(), 0, target.data(), 0, target.data().length);
        }
    }

    @AfterEach
    void checkedModeOff() {
        System.clearProperty("bind.check");
        KEPT.clear();
    }

    private static int[] filled(int value) {
        int[] values = new int[N];
        Arrays.fill(values, value);
        return values;
    }

    @Test
    void shouldFailAnOpThatWritesIntoAnInVersionAndKeepTheVersion() {
        System.setProperty("bind.check", "true");
        try (Bind bind = Bind.init(new Bind.Context().workers(2))) {
            IntArray a = IntArray.of(N);
            IntArray b = IntArray.of(N);
            Ops.fill(a, 7);
            Ops.corrupt(a, b);
            OpFailedException e = assertThrows(OpFailedException.class, bind::sync);
            assertTrue(e.opName().endsWith("Ops.corrupt"), e.getMessage());
            assertInViolation(e.getMessage());
            assertArrayEquals(filled(7), a.toArray(), "the @In version is what fill made");
        }
    }

    @Test
    void shouldLeaveAWriteIntoAnInVersionUndetectedWhenCheckedModeIsOff() {
        try (Bind bind = Bind.init(new Bind.Context().workers(2))) {
            IntArray a = IntArray.of(N);
            IntArray b = IntArray.of(N);
            Ops.fill(a, 7);
            Ops.corrupt(a, b);
            bind.sync();
            assertEquals(-1, a.toArray()[3], "off by default: the write went into the version");
        }
    }

    @Test
    void shouldFailTheReaderOfAVersionChangedThroughAKeptDataArray() {
        System.setProperty("bind.check", "true");
        try (Bind bind = Bind.init(new Bind.Context().workers(2))) {
            IntArray a = IntArray.of(N);
            IntArray b = IntArray.of(N);
            Ops.fillAndKeep(a, 4, 0);
            bind.sync();
            KEPT.get(0)[5] = 9; // the program writes through the array fillAndKeep kept
            Ops.copy(a, b);
            OpFailedException e = assertThrows(OpFailedException.class, bind::sync);
            assertTrue(e.opName().endsWith("Ops.copy"), e.getMessage());
            assertTrue(e.getMessage().contains("@In parameter 0 (source) reads IntArray#0 as op ")
                && e.getMessage().contains("Ops.fillAndKeep made it, but its contents changed after that op ended"),
                e.getMessage());
        }
    }

    @ParameterizedTest(name = "on rank {0} of 2")
    @ValueSource(ints = {1, -1})
    void shouldFailTheWriteIntoAnInVersionOnEveryRankAndKeepTheRanksAgreeing(int where) {
        System.setProperty("bind.check", "true");
        Map<Integer, Throwable> caught = new ConcurrentHashMap<>();
        Map<Integer, int[]> seen = new ConcurrentHashMap<>();
        InProcJob.run(2, () -> new Bind.Context().workers(2), 30, TimeUnit.SECONDS, bind -> {
            IntArray a = IntArray.of(N);
            IntArray b = IntArray.of(N);
            Ops.fill(a, 7);
            if (where >= 0) {
                try (Scope s = bind.on(where)) {
                    Ops.corrupt(a, b);
                }
            } else {
                Ops.corrupt(a, b);
            }
            try {
                bind.sync();
            } catch (OpFailedException e) {
                caught.put(bind.rank(), e);
            }
            seen.put(bind.rank(), a.toArray());
        });
        for (int rank = 0; rank < 2; rank++) {
            Throwable e = caught.get(rank);
            assertTrue(e instanceof OpFailedException, "rank " + rank + " caught " + e);
            assertTrue(((OpFailedException) e).opName().endsWith("Ops.corrupt"), e.getMessage());
            assertEquals(where >= 0 ? where : 0, ((OpFailedException) e).rank(), e.getMessage());
            assertInViolation(e.getMessage());
            assertArrayEquals(filled(7), seen.get(rank), "rank " + rank + " reads what fill made");
        }
    }

    private static void assertInViolation(String message) {
        assertTrue(message.contains("Ops.corrupt: @In parameter 0 (source) wrote into IntArray#0, which it may only"
            + " read (@In)"), message);
    }
}
