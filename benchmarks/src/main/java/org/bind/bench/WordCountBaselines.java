package org.bind.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The plain-Java baselines of {@link WordCountBenchmark}, in a JVM of their own: a sequential {@code HashMap}
 * count, and parallel streams ({@code groupingByConcurrent} with {@code counting()}) on the common pool sized to
 * the cores. Each timed run reads the file and counts, as the other systems do. Prints
 * {@code WC_RESULT system=<hashmap|streams> seconds=<each timed run> distinct=.. total=.. digest=..}.
 * Arguments: {@code FILE WARMUP REPS}.
 */
public final class WordCountBaselines {
    private WordCountBaselines() {
    }

    public static void main(String[] args) throws IOException {
        Path file = Path.of(args[0]);
        int warmup = Integer.parseInt(args[1]);
        int reps = Integer.parseInt(args[2]);
        measure("hashmap", warmup, reps, () -> hashMap(file));
        measure("streams", warmup, reps, () -> streams(file));
    }

    private static void measure(String system, int warmup, int reps, Supplier<Map<String, ? extends Number>> count) {
        double[] seconds = new double[reps];
        Map<String, ? extends Number> counts = null;
        for (int i = -warmup; i < reps; i++) {
            counts = null;
            System.gc();
            long start = System.nanoTime();
            counts = count.get();
            if (i >= 0) {
                seconds[i] = (System.nanoTime() - start) / 1e9;
            }
        }
        System.out.println("WC_RESULT system=" + system + " seconds=" + SortBaselines.join(seconds) + " "
            + Words.Digest.of(counts).fields());
    }

    static Map<String, Long> hashMap(Path file) {
        Map<String, Long> counts = new HashMap<>();
        try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
            lines.forEach(line -> Words.forEach(line, word -> counts.merge(word, 1L, Long::sum)));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return counts;
    }

    static ConcurrentMap<String, Long> streams(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return lines.parallelStream()
            .flatMap(line -> {
                Stream.Builder<String> words = Stream.builder();
                Words.forEach(line, words);
                return words.build();
            })
            .collect(Collectors.groupingByConcurrent(word -> word, Collectors.counting()));
    }
}
