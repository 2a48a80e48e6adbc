package org.bind.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.bind.examples.LetterCountExample;
import org.bind.examples.SortExample;
import org.bind.examples.WordCountExample;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The MapReduce examples ({@code letter-count}, {@code wordcount}, {@code sort}) as local JVM processes over Aeron,
 * started like {@code bin/bindrun -np N}: exit status 0 and the known result. Ranks finish their parts at
 * different times here, unlike in-JVM ranks, and the shuffles cross real process boundaries.
 */
@Tag("cluster")
class MapReduceOverAeronTest {
    static Stream<Arguments> runs() {
        List<Arguments> runs = new ArrayList<>();
        runs.add(Arguments.of(LetterCountExample.class, 2, List.of(),
            List.of("31 distinct characters in 2 line(s):", "' ' 27", "'a' 15", "'i' 14", "'r' 12")));
        runs.add(Arguments.of(LetterCountExample.class, 4, List.of(), List.of("' ' 45", "'a' 26")));
        runs.add(Arguments.of(WordCountExample.class, 3, List.of("--words", "300000", "--vocabulary", "2000"),
            List.of("wordcount: 300000 words")));
        for (int ranks : new int[] {2, 4}) {
            runs.add(Arguments.of(SortExample.class, ranks, List.of("--n", "3000000", "--reps", "2"),
                List.of("  check: ok")));
            runs.add(Arguments.of(SortExample.class, ranks, List.of("--n", "2000000", "--skewed", "--parts", "3"),
                List.of("  check: ok")));
        }
        return runs.stream();
    }

    @ParameterizedTest(name = "{0} on {1} processes {2}")
    @MethodSource("runs")
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void shouldPrintTheKnownResult(Class<?> example, int ranks, List<String> args, List<String> expectedLines) {
        ExampleRuns.Launch launch = ExampleRuns.overAeron(example, ranks, List.of("--workers", "2", "-J-Xmx1g"), args);
        ExampleRuns.assertKnownResult(launch.status(), launch.output(), expectedLines, launch.report());
    }
}
