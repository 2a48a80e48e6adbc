package org.bind.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import org.bind.Bind;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;
import org.bind.Shared;
import org.bind.mapreduce.KVPairs;

/**
 * Word count with {@link KVPairs}: map each line to {@code (word, 1)} pairs, summed per word as they are emitted
 * (a map with a combiner), reduce the counts over the ranks. Words are the runs of letters and digits, lower-cased.
 *
 * <p>Input: the files named as arguments, file {@code i} read by rank {@code i % ranks}; or, without files, a
 * generated text of {@code --words N} words (default 2,000,000) drawn from a vocabulary of {@code --vocabulary V}
 * words (default 50,000) with Zipf frequencies ({@link ZipfText}), each rank generating its share. Lines are given
 * to {@code KVPairs} in chunks of {@link #LINES_PER_KEY} under one key, so that every worker gets some.
 *
 * <p>Each rank then publishes its {@code --top K} (default 10) most frequent words, its distinct words and its
 * total (a {@code Shared<String>} written by an op placed on it); rank 0 merges and prints them.
 */
public final class WordCountExample {
    /** Lines per input key. */
    public static final int LINES_PER_KEY = 256;

    private WordCountExample() {
    }

    /** Files to read (empty: generate), or the generated text's size; the number of top words to print. */
    public record Params(List<Path> files, long words, int vocabulary, int top, long seed) {
        public static final long WORDS_DEFAULT = 2_000_000;
        public static final int VOCABULARY_DEFAULT = 50_000;
        public static final int TOP_DEFAULT = 10;

        public Params {
            files = List.copyOf(files);
            if (words < 0) {
                throw new IllegalArgumentException("--words " + words + " is negative");
            }
            if (vocabulary < 1) {
                throw new IllegalArgumentException("--vocabulary " + vocabulary + " must be at least 1");
            }
            if (top < 0) {
                throw new IllegalArgumentException("--top " + top + " is negative");
            }
        }

        /** Parses {@code [--words N] [--vocabulary V] [--top K] [--seed S] [FILE...]}. */
        public static Params parse(String... args) {
            List<Path> files = new ArrayList<>();
            long words = WORDS_DEFAULT;
            int vocabulary = VOCABULARY_DEFAULT;
            int top = TOP_DEFAULT;
            long seed = 7;
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if (!arg.startsWith("--")) {
                    files.add(Path.of(arg));
                    continue;
                }
                if (i + 1 == args.length) {
                    throw new IllegalArgumentException("option " + arg + " needs a value");
                }
                long value = parse(arg, args[++i]);
                switch (arg) {
                    case "--words" -> words = value;
                    case "--vocabulary" -> vocabulary = (int) Math.min(Integer.MAX_VALUE, value);
                    case "--top" -> top = (int) Math.min(Integer.MAX_VALUE, value);
                    case "--seed" -> seed = value;
                    default -> throw new IllegalArgumentException("unknown option " + arg
                        + "; expected --words N, --vocabulary V, --top K, --seed S, or file names");
                }
            }
            return new Params(files, words, vocabulary, top, seed);
        }

        private static long parse(String option, String value) {
            try {
                return Long.parseLong(value.replace("_", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("option " + option + " needs an integer, got '" + value + "'");
            }
        }
    }

    /** A word and its count. */
    public record WordCount(String word, long count) {
        /** Most frequent first, then alphabetical. */
        public static final Comparator<WordCount> BY_FREQUENCY = Comparator.comparingLong(WordCount::count)
            .reversed().thenComparing(WordCount::word);
    }

    /** The job's totals and its most frequent words. */
    public record Result(long totalWords, long distinctWords, List<WordCount> top) {
    }

    public static void main(String[] args) {
        try (Bind bind = Bind.init(args)) {
            Params params = Params.parse(bind.args());
            long start = System.nanoTime();
            Result result = run(bind, params);
            double seconds = (System.nanoTime() - start) / 1e9;
            if (bind.rank() == 0) {
                System.out.printf(Locale.ROOT, "wordcount: %d words, %d distinct, on %d rank(s) in %.3f s%n",
                    result.totalWords(), result.distinctWords(), bind.size(), seconds);
                for (WordCount wc : result.top()) {
                    System.out.printf(Locale.ROOT, "%10d  %s%n", wc.count(), wc.word());
                }
            }
        }
    }

    /** Runs the example. Program thread; collective. The result is the same on every rank. */
    public static Result run(Bind bind, Params params) {
        Map<String, List<String>> lines = params.files().isEmpty() ? generate(bind, params) : read(bind, params);
        Map<String, List<Long>> counts = count(bind, lines);
        List<WordCount> mine = new ArrayList<>();
        long total = 0;
        for (Map.Entry<String, List<Long>> e : counts.entrySet()) {
            mine.add(new WordCount(e.getKey(), e.getValue().get(0)));
            total += e.getValue().get(0);
        }
        mine.sort(WordCount.BY_FREQUENCY);
        StringBuilder summary = new StringBuilder().append(total).append(' ').append(mine.size()).append('\n');
        for (WordCount wc : mine.subList(0, Math.min(params.top(), mine.size()))) {
            summary.append(wc.count()).append(' ').append(wc.word()).append('\n');
        }
        @SuppressWarnings("unchecked")
        Shared<String>[] summaries = new Shared[bind.size()];
        for (int r = 0; r < bind.size(); r++) {
            summaries[r] = Shared.of("");
            try (Scope s = bind.on(r)) {
                publish(summaries[r], summary.toString());
            }
        }
        bind.sync();
        long totalWords = 0;
        long distinct = 0;
        List<WordCount> top = new ArrayList<>();
        for (Shared<String> shared : summaries) {
            String[] rows = shared.get().split("\n");
            String[] totals = rows[0].split(" ");
            totalWords += Long.parseLong(totals[0]);
            distinct += Long.parseLong(totals[1]);
            for (int i = 1; i < rows.length; i++) {
                int space = rows[i].indexOf(' ');
                top.add(new WordCount(rows[i].substring(space + 1), Long.parseLong(rows[i].substring(0, space))));
            }
        }
        top.sort(WordCount.BY_FREQUENCY);
        return new Result(totalWords, distinct, List.copyOf(top.subList(0, Math.min(params.top(), top.size()))));
    }

    /**
     * The map (its ones summed as they are emitted: one count per word and rank) and the reduce: this rank's words
     * and their counts over the whole job.
     */
    public static Map<String, List<Long>> count(Bind bind, Map<String, List<String>> lines) {
        return KVPairs.of(bind, lines, String.class, String.class)
            .mapToLong(String.class, (key, text, out) -> {
                for (String line : text) {
                    forEachWord(line, word -> out.emit(word, 1L));
                }
            }, Long::sum)
            .reduce(String.class, Long.class, (word, partial, out) -> {
                long sum = 0;
                for (long count : partial) {
                    sum += count;
                }
                out.emit(word, sum);
            })
            .local();
    }

    /** Calls {@code action} on each word of {@code line}: runs of letters or digits, lower-cased. */
    public static void forEachWord(String line, java.util.function.Consumer<String> action) {
        int n = line.length();
        int start = -1;
        for (int i = 0; i <= n; i++) {
            boolean inWord = i < n && Character.isLetterOrDigit(line.charAt(i));
            if (inWord && start < 0) {
                start = i;
            } else if (!inWord && start >= 0) {
                action.accept(line.substring(start, i).toLowerCase(Locale.ROOT));
                start = -1;
            }
        }
    }

    @Op
    static void publish(@Out Shared<String> summary, String text) {
        summary.set(text);
    }

    private static Map<String, List<String>> read(Bind bind, Params params) {
        Map<String, List<String>> lines = new HashMap<>();
        for (int i = bind.rank(); i < params.files().size(); i += bind.size()) {
            Path file = params.files().get(i);
            List<String> all;
            try {
                all = Files.readAllLines(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
            }
            for (int from = 0; from < all.size(); from += LINES_PER_KEY) {
                lines.put(file + "#" + from / LINES_PER_KEY,
                    new ArrayList<>(all.subList(from, Math.min(all.size(), from + LINES_PER_KEY))));
            }
        }
        return lines;
    }

    private static Map<String, List<String>> generate(Bind bind, Params params) {
        long from = SortData.partStart(params.words(), bind.rank(), bind.size());
        long to = SortData.partStart(params.words(), bind.rank() + 1, bind.size());
        ZipfText text = new ZipfText(params.vocabulary(), new SplittableRandom(params.seed() + bind.rank()));
        Map<String, List<String>> lines = new HashMap<>();
        List<String> chunk = new ArrayList<>(LINES_PER_KEY);
        long line = 0;
        for (long w = from; w < to; w += ZipfText.WORDS_PER_LINE) {
            chunk.add(text.line((int) Math.min(ZipfText.WORDS_PER_LINE, to - w)));
            if (chunk.size() == LINES_PER_KEY) {
                lines.put("r" + bind.rank() + "#" + line++, chunk);
                chunk = new ArrayList<>(LINES_PER_KEY);
            }
        }
        if (!chunk.isEmpty()) {
            lines.put("r" + bind.rank() + "#" + line, chunk);
        }
        return lines;
    }
}
