package org.bind.multi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.bind.Bind;
import org.bind.DoubleArray;
import org.bind.Op;
import org.bind.OpFailedException;
import org.bind.Out;
import org.bind.Scope;
import org.bind.In;
import org.bind.testing.DumpStacksOnTimeout;
import org.bind.transport.inproc.InProcJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A version larger than {@code bind.max.version.bytes} is refused by its sender: every rank's sync fails naming the
 * object, its size and the setting, and the rank that waited for it does not hang.
 */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(120)
class VersionCapTest {
    static final class Ops {
        @Op
        static void fill(@Out DoubleArray a, double value) {
            java.util.Arrays.fill(a.data(), value);
        }

        @Op
        static void copy(@In DoubleArray from, @Out DoubleArray to) {
            System.arraycopy(from.data(), 0, to.data(), 0, to.length());
        }
    }

    @Test
    void shouldRefuseAVersionAboveTheCapOnEveryRank() {
        for (int ranks = 2; ranks <= 3; ranks++) {
            int size = ranks;
            InProcJob.run(size, () -> new Bind.Context().maxVersionBytes(4096), 60, TimeUnit.SECONDS, bind -> {
                DoubleArray big = DoubleArray.of(1000).named("big"); // 8004 bytes encoded
                DoubleArray small = DoubleArray.of(10);
                DoubleArray out = DoubleArray.of(1000);
                DoubleArray fine = DoubleArray.of(10);
                try (Scope s = bind.on(0)) {
                    Ops.fill(big, 1.0);
                    Ops.fill(small, 2.0);
                }
                try (Scope s = bind.on(size - 1)) {
                    Ops.copy(big, out);
                    Ops.copy(small, fine);
                }
                OpFailedException e = assertThrows(OpFailedException.class, bind::sync, "rank " + bind.rank());
                String all = e.getMessage() + " / " + e.getCause();
                assertTrue(all.contains("big: a version of 8004 bytes exceeds bind.max.version.bytes=4096"),
                    "rank " + bind.rank() + ": " + all);
                if (bind.rank() == size - 1) {
                    assertEquals(2.0, fine.toArray()[9], "the small version still arrived");
                }
            });
        }
    }
}
