package org.bind.mapreduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.bind.transport.inproc.InProcJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link KVPairs#map(Class, Class, Mapper, java.util.function.BinaryOperator)}: values folded as emitted. */
@Timeout(120)
class CombinerTest {
    private static Map<String, List<Long>> counted(org.bind.Bind bind) {
        return KVPairs.of(bind, KVPairsTest.wordInput(bind.rank()), Integer.class, String.class)
            .map(String.class, Long.class, (line, texts, out) -> {
                for (String text : texts) {
                    for (String word : text.split(" ")) {
                        out.emit(word, 1L);
                    }
                }
            }, Long::sum)
            .local();
    }

    @ParameterizedTest(name = "{0} rank(s), {1} worker(s)")
    @CsvSource({"1,1", "1,3", "2,2", "3,2", "4,3"})
    void shouldLeaveOneFoldedValuePerKeyAndRankLikeAPlainCount(int ranks, int workers) {
        Object[] results = KVPairsTest.run(ranks, workers, bind -> {
            Map<String, List<Long>> mine = counted(bind);
            Map<String, List<Long>> total = KVPairs.of(bind, mine, String.class, Long.class)
                .reduce(String.class, Long.class, (word, partial, out) -> out.emit(word,
                    partial.stream().mapToLong(Long::longValue).sum()))
                .gatherAll();
            return List.of(mine, total);
        });
        Map<String, Long> expected = new TreeMap<>();
        for (int r = 0; r < ranks; r++) {
            Map<String, Long> ownExpected = new TreeMap<>();
            for (List<String> texts : KVPairsTest.wordInput(r).values()) {
                for (String text : texts) {
                    for (String word : text.split(" ")) {
                        ownExpected.merge(word, 1L, Long::sum);
                        expected.merge(word, 1L, Long::sum);
                    }
                }
            }
            @SuppressWarnings("unchecked")
            Map<String, List<Long>> mine = (Map<String, List<Long>>) ((List<?>) results[r]).get(0);
            Map<String, Long> got = new TreeMap<>();
            for (Map.Entry<String, List<Long>> e : mine.entrySet()) {
                assertEquals(1, e.getValue().size(), "one value per key on rank " + r);
                got.put(e.getKey(), e.getValue().get(0));
            }
            assertEquals(ownExpected, got, "rank " + r);
        }
        for (int r = 0; r < ranks; r++) {
            @SuppressWarnings("unchecked")
            Map<String, List<Long>> total = (Map<String, List<Long>>) ((List<?>) results[r]).get(1);
            Map<String, Long> got = new TreeMap<>();
            total.forEach((word, values) -> got.put(word, values.get(0)));
            assertEquals(expected, got, "rank " + r);
        }
    }

    @Test
    void shouldRejectANullCombiner() {
        InProcJob.run(1, 30, TimeUnit.SECONDS, bind -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KVPairs.of(bind,
                Map.of(1, List.of(1))).map(Integer.class, Integer.class, (k, vs, out) -> { }, null));
            assertEquals("map: combiner is null", e.getMessage());
        });
    }
}
