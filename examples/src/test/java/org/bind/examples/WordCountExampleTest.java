package org.bind.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.bind.examples.WordCountExample.Params;
import org.bind.examples.WordCountExample.WordCount;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(90)
class WordCountExampleTest {
    /** Counts with a plain loop over the same generated text (each rank's share from its own generator). */
    static Map<String, Long> expectedGenerated(Params params, int ranks) {
        Map<String, Long> counts = new HashMap<>();
        for (int r = 0; r < ranks; r++) {
            long from = SortData.partStart(params.words(), r, ranks);
            long to = SortData.partStart(params.words(), r + 1, ranks);
            ZipfText text = new ZipfText(params.vocabulary(), new SplittableRandom(params.seed() + r));
            for (long w = from; w < to; w += ZipfText.WORDS_PER_LINE) {
                for (String word : text.line((int) Math.min(ZipfText.WORDS_PER_LINE, to - w)).split(" ")) {
                    counts.merge(word, 1L, Long::sum);
                }
            }
        }
        return counts;
    }

    static List<WordCount> top(Map<String, Long> counts, int k) {
        List<WordCount> all = new ArrayList<>();
        counts.forEach((word, count) -> all.add(new WordCount(word, count)));
        all.sort(WordCount.BY_FREQUENCY);
        return all.subList(0, Math.min(k, all.size()));
    }

    @ParameterizedTest(name = "{0} rank(s)")
    @ValueSource(ints = {1, 2, 3, 4})
    void shouldCountGeneratedTextLikeAPlainLoop(int ranks) {
        Params params = Params.parse("--words", "60000", "--vocabulary", "3000", "--top", "15");
        Map<String, Long> expected = expectedGenerated(params, ranks);
        Object[] results = Jobs.run(ranks, bind -> WordCountExample.run(bind, params));
        for (int r = 0; r < ranks; r++) {
            WordCountExample.Result result = (WordCountExample.Result) results[r];
            assertEquals(60_000, result.totalWords(), "rank " + r);
            assertEquals(expected.size(), result.distinctWords(), "rank " + r);
            assertEquals(top(expected, 15), result.top(), "rank " + r);
        }
    }

    @Test
    void shouldFollowZipfsLaw() {
        Map<String, Long> counts = expectedGenerated(Params.parse("--words", "200000", "--vocabulary", "1000"), 1);
        double ratio = (double) counts.get(ZipfText.word(0)) / counts.get(ZipfText.word(1));
        assertTrue(ratio > 1.8 && ratio < 2.2, "first/second word frequency " + ratio);
    }

    @Test
    void shouldCountWordsOfFilesSpreadOverTheRanks(@TempDir Path dir) throws IOException {
        List<String> args = new ArrayList<>(List.of("--top", "3"));
        Map<String, Long> expected = new HashMap<>();
        for (int f = 0; f < 5; f++) {
            StringBuilder text = new StringBuilder();
            for (int line = 0; line < 700; line++) {
                text.append("The cat, the DOG; and file").append(f).append(" line ").append(line % 9).append('\n');
            }
            Path file = dir.resolve("part" + f + ".txt");
            Files.writeString(file, text, StandardCharsets.UTF_8);
            args.add(file.toString());
            for (String line : text.toString().split("\n")) {
                WordCountExample.forEachWord(line, word -> expected.merge(word, 1L, Long::sum));
            }
        }
        assertEquals(1400L * 5, expected.get("the"));
        Params params = Params.parse(args.toArray(String[]::new));
        Object[] results = Jobs.run(3, bind -> WordCountExample.run(bind, params));
        WordCountExample.Result result = (WordCountExample.Result) results[0];
        assertEquals(expected.values().stream().mapToLong(Long::longValue).sum(), result.totalWords());
        assertEquals(expected.size(), result.distinctWords());
        assertEquals(top(expected, 3), result.top());
    }

    @Test
    void shouldSplitWordsOnNonAlphanumerics() {
        List<String> words = new ArrayList<>();
        WordCountExample.forEachWord("  Hello, wörld!x2 -- 42 ", words::add);
        assertEquals(List.of("hello", "wörld", "x2", "42"), words);
    }

    @Test
    void shouldPrintTheTopWordsFromMain() {
        String out = Jobs.runMain(WordCountExample.class, 2, "--words", "20000", "--vocabulary", "500", "--top", "3");
        assertTrue(out.contains("wordcount: 20000 words"), out);
        assertTrue(out.contains("  " + ZipfText.word(0) + "\n"), out);
    }

    @Test
    void shouldRejectBadOptions() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
            () -> Params.parse("--lines", "3"));
        assertTrue(unknown.getMessage().contains("unknown option --lines"), unknown.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
            () -> Params.parse("--words", "-1"));
        assertTrue(negative.getMessage().contains("--words -1 is negative"), negative.getMessage());
    }
}
