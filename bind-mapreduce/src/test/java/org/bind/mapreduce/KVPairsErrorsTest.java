package org.bind.mapreduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.bind.Bind;
import org.bind.BindException;
import org.bind.OpFailedException;
import org.bind.transport.inproc.InProcJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Failures of {@link KVPairs} and {@link Sort} calls: one clear error each, naming the culprit. */
@Timeout(120)
class KVPairsErrorsTest {
    /** Many keys on every part of every rank, so that every op of the step fails the same way. */
    private static KVPairs<Integer, String> lines(Bind bind) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            lines.add("w" + i + " x" + i);
        }
        Map<Integer, List<String>> input = new java.util.HashMap<>();
        for (int i = 0; i < 20; i++) {
            input.put(i, lines);
        }
        return KVPairs.of(bind, input, Integer.class, String.class);
    }

    @Test
    void shouldReportANullEmittedByEveryOpOnceOnEveryRank() {
        InProcJob.run(3, () -> new Bind.Context().workers(3), 60, TimeUnit.SECONDS, bind -> {
            KVPairs<String, Integer> failing = lines(bind).map(String.class, Integer.class, (k, texts, out) -> {
                for (String text : texts) {
                    for (String word : text.split(" ")) {
                        out.emit(word, null);
                    }
                }
            });
            OpFailedException e = assertThrows(OpFailedException.class, failing::local);
            assertEquals("PairOps.apply", e.opName());
            assertTrue(e.getMessage().contains("map of key ") && e.getMessage().contains(" emitted a null value for"
                + " key w0"), e.getMessage());
            assertEquals(0, e.getSuppressed().length, "the same error from every op is reported once");
        });
    }

    @Test
    void shouldKeepDistinctErrorsOfDifferentRanks() {
        InProcJob.run(2, () -> new Bind.Context().workers(2), 60, TimeUnit.SECONDS, bind -> {
            KVPairs<String, Integer> failing = KVPairs.of(bind, Map.of(bind.rank(), List.of(1)), Integer.class,
                    Integer.class)
                .map(String.class, Integer.class, (k, vs, out) -> {
                    if (k == 0) {
                        throw new IllegalStateException("no input expected on rank 0");
                    }
                    out.emit("k", null);
                });
            OpFailedException e = assertThrows(OpFailedException.class, failing::local);
            assertEquals(1, e.getSuppressed().length, "two different errors");
            String both = e.getMessage() + " | " + e.getSuppressed()[0].getMessage();
            assertTrue(both.contains("no input expected on rank 0"), both);
            assertTrue(both.contains("map of key 1 emitted a null value for key k"), both);
        });
    }

    @Test
    void shouldNameTheRankThatDidNotCallLocal() {
        InProcJob.JobFailedException e = assertThrows(InProcJob.JobFailedException.class,
            () -> InProcJob.run(2, () -> new Bind.Context().workers(2), 60, TimeUnit.SECONDS, bind -> {
                KVPairs<Integer, String> pairs = lines(bind);
                if (bind.rank() == 0) {
                    pairs.local();
                }
            }));
        Throwable onRank0 = e.failures().get(0);
        assertTrue(onRank0 instanceof BindException, String.valueOf(onRank0));
        String message = onRank0.getMessage();
        assertTrue(message.startsWith("KVPairs.local() must be called by every rank at the same point of the"
            + " program: DAG divergence"), message);
        assertTrue(message.contains("rank 0 submitted Collective.local") && message.contains("rank 1 submitted"
            + " nothing there"), message);
    }

    @Test
    void shouldNameTheRankThatDidNotCallSort() {
        InProcJob.JobFailedException e = assertThrows(InProcJob.JobFailedException.class,
            () -> InProcJob.run(3, () -> new Bind.Context().workers(2), 60, TimeUnit.SECONDS, bind -> {
                if (bind.rank() != 2) {
                    Sort.ints(bind, new int[] {3, 1, 2});
                }
            }));
        String message = String.valueOf(e.failures().get(0).getMessage());
        assertTrue(message.contains("rank 2 submitted nothing there"), message);
    }
}
