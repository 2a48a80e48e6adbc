package org.bind.multi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.bind.Bind;
import org.bind.In;
import org.bind.IntArray;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;
import org.bind.transport.inproc.InProcJob;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An exception escaping {@code main} on rank 1 (through the program's own try-with-resources close) makes every
 * other rank fail naming rank 1 and the exception's class and message, not a DAG divergence, whether the others
 * meet rank 1 at their next sync or wait for data rank 1 would have sent. Ranks are threads of this JVM, each
 * with its own class loader, as under {@code bin/bindrun --transport inproc}.
 */
@ExtendWith(DumpThreadsOnTimeout.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MainThrowsTest {
    private static final String MESSAGE = "no input for rank 1";

    /** The program: one good epoch, then rank 1 throws; the others go on (argument "wait": for rank 1's data). */
    public static final class Main {
        @Op
        static void fill(@Out IntArray a, int value) {
            Arrays.fill(a.data(), value);
        }

        @Op
        static void twice(@In IntArray from, @Out IntArray to) {
            int[] in = from.data();
            int[] out = to.data();
            for (int i = 0; i < in.length; i++) {
                out[i] = 2 * in[i];
            }
        }

        @SuppressWarnings("try")
        public static void main(String[] args) {
            try (Bind bind = Bind.init(args)) {
                IntArray a = IntArray.of(16);
                IntArray b = IntArray.of(16);
                fill(a, 3);
                bind.sync();
                if (bind.rank() == 1) {
                    throw new IllegalStateException(MESSAGE);
                }
                if (args.length > 0 && args[0].equals("wait")) {
                    try (Scope s = bind.on(1)) {
                        fill(a, 5);
                    }
                    try (Scope s = bind.on(0)) {
                        twice(a, b);
                    }
                    if (bind.rank() == 0) {
                        System.out.println(Arrays.toString(b.toArray()));
                    }
                } else {
                    twice(a, b);
                }
                bind.sync();
            }
        }
    }

    @ParameterizedTest(name = "{0} ranks, others {1}")
    @CsvSource({"2, sync", "3, sync", "2, wait", "3, wait"})
    void shouldNameTheRankAndTheExceptionOnEveryOtherRank(int ranks, String how) {
        URL classes = Main.class.getProtectionDomain().getCodeSource().getLocation();
        InProcJob.JobFailedException failed = assertThrows(InProcJob.JobFailedException.class,
            () -> InProcJob.runMain(ranks, new URL[] {classes}, Main.class.getName(), new String[] {how},
                Bind.Context::new, 40, TimeUnit.SECONDS));
        Map<Integer, Throwable> failures = failed.failures();
        assertEquals(ranks, failures.size(), failed::getMessage);
        Throwable own = failures.get(1);
        assertInstanceOf(IllegalStateException.class, own, failed::getMessage);
        assertEquals(MESSAGE, own.getMessage());
        for (int r = 0; r < ranks; r++) {
            if (r == 1) {
                continue;
            }
            String message = failures.get(r).getMessage();
            assertTrue(message.contains("rank 1 gave up on the job: main threw java.lang.IllegalStateException: "
                + MESSAGE), "rank " + r + ": " + failures.get(r));
            assertFalse(message.contains("divergence"), "rank " + r + ": " + failures.get(r));
        }
    }
}
