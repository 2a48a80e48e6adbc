package org.bind.bench;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.bind.Bind;
import org.bind.mapreduce.KVPairs;

/**
 * One rank of the Bind side of {@link WordCountBenchmark}: the word count a user writes with {@link KVPairs}
 * ({@code KVPairs.words}: the file cut over the ranks and workers, each chunk's words found in its bytes and counted
 * where they are read, by the rule of {@link Words}; then a reduce), timed from a {@code sync()} to
 * the return of {@code local()} (which syncs: every rank's counts done), after warm-up runs. Each rank then prints
 * {@code WC_RESULT system=bind rank=<r> seconds=<each timed run> distinct=.. total=.. digest=..} for its share.
 * Arguments: {@code FILE WARMUP REPS}.
 */
public final class WordCountRank {
    private WordCountRank() {
    }

    public static void main(String[] args) {
        try (Bind bind = Bind.init(args)) {
            String[] own = bind.args();
            Path file = Path.of(own[0]);
            int warmup = Integer.parseInt(own[1]);
            int reps = Integer.parseInt(own[2]);
            double[] seconds = new double[reps];
            Map<String, List<Long>> counts = Map.of();
            for (int i = -warmup; i < reps; i++) {
                counts = null;
                System.gc();
                bind.sync();
                long start = System.nanoTime();
                counts = count(bind, file);
                if (i >= 0) {
                    seconds[i] = (System.nanoTime() - start) / 1e9;
                }
            }
            Map<String, Long> mine = new HashMap<>();
            counts.forEach((word, count) -> mine.put(word, count.get(0)));
            System.out.println("WC_RESULT system=bind rank=" + bind.rank() + " seconds=" + SortBaselines.join(seconds)
                + " " + Words.Digest.of(mine).fields());
        }
    }

    /** The word count, as a user writes it. */
    static Map<String, List<Long>> count(Bind bind, Path file) {
        return KVPairs.words(bind, file)
            .reduce(String.class, Long.class, (word, partial, out) -> out.emit(word, sum(partial)))
            .local();
    }

    private static long sum(List<Long> values) {
        long sum = 0;
        for (long v : values) {
            sum += v;
        }
        return sum;
    }
}
