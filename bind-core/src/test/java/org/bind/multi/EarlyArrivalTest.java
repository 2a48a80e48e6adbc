package org.bind.multi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.bind.Bind;
import org.bind.DoubleArray;
import org.bind.In;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A version whose chunks reach a rank before that rank's program has recorded the op that reads it (the reader's
 * program thread is late): the chunks wait, are relayed to ranks further down the tree (also to a child that joins
 * after some chunks arrived), and the late op reads the right values. Versions of one chunk, of full-sized chunks
 * (assembled as they arrive) and of small chunks (kept apart until all arrived).
 */
@ExtendWith(DumpThreadsOnTimeout.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@SuppressWarnings("try") // scopes are opened for their effect on placement, not referenced
class EarlyArrivalTest {
    private static final long JOB_TIMEOUT_S = 30;

    static final class Ops {
        @Op
        static void ramp(@Out DoubleArray a) {
            double[] x = a.data();
            for (int i = 0; i < x.length; i++) {
                x[i] = i * 0.5;
            }
        }

        @Op
        static void copy(@In DoubleArray from, @Out DoubleArray to) {
            System.arraycopy(from.data(), 0, to.data(), 0, to.data().length);
        }
    }

    @ParameterizedTest(name = "{0} doubles in chunks of {1} bytes, {2} ranks")
    @CsvSource({"100, 1048576, 2", "131072, 262144, 2", "131072, 262144, 4", "5000, 64, 2", "5000, 64, 4"})
    void shouldDeliverChunksThatArriveBeforeTheReadIsRecorded(int length, int chunkBytes, int ranks) {
        double[] expected = IntStream.range(0, length).mapToDouble(i -> i * 0.5).toArray();
        WatchedJob job = WatchedJob.run(ranks, () -> new Bind.Context().chunkBytes(chunkBytes), JOB_TIMEOUT_S,
            (bind, watched) -> {
            DoubleArray a = DoubleArray.of(length);
            try (Scope s = bind.on(0)) {
                Ops.ramp(a);
            }
            DoubleArray[] copies = new DoubleArray[ranks];
            for (int r = 1; r < ranks; r++) {
                if (bind.rank() == r) {
                    sleep(150 * r); // this rank records its read late: rank 0 and the ranks before it have sent
                }
                copies[r] = DoubleArray.of(length);
                try (Scope s = bind.on(r)) {
                    Ops.copy(a, copies[r]);
                }
            }
            bind.sync();
            if (bind.rank() > 0) {
                assertArrayEquals(expected, copies[bind.rank()].toArray(), "rank " + bind.rank());
            }
        });
        for (int r = 0; r < ranks; r++) {
            assertEquals(List.of(), job.escaped(r), "exceptions while handling frames on rank " + r);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
