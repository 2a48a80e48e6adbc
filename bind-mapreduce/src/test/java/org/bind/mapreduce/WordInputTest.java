package org.bind.mapreduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.bind.transport.inproc.InProcJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link KVPairs#words}: the words found in the bytes, against a plain Java count of the decoded text (a
 * {@code HashMap} over the words a loop over its {@code char}s finds, each lower-cased with {@code Locale.ROOT}).
 */
@Timeout(120)
class WordInputTest {
    /**
     * Pieces of text: ASCII words in mixed case, digits, separators, CR LF, two- and three-byte letters (one whose
     * lower case is ASCII: the Kelvin sign; one whose lower case is longer: capital I with a dot; a Greek word whose
     * final sigma lower-cases by context), two- and three-byte characters that are not letters (no-break space,
     * middle dot, euro sign), four-byte characters (an emoji; a mathematical letter, a letter as a code point but two
     * surrogate chars) and malformed bytes (appended as bytes, not here).
     */
    private static final String[] PIECES = {"the", "The", "THE", "tHe", "word42", "42", "x", "Z9z", " ", "  ", ",", ".",
        "\n", "\r\n", "\t", "-", "caf\u00e9", "CAF\u00c9", "Stra\u00dfe", "\u00e9t\u00e9", "\u212aelvin", "kelvin",
        "\u0130stanbul", "\u039f\u0394\u039f\u03a3", "\u03bf\u03b4\u03bf\u03c2", "\u4e2d\u6587", "\u00a0", "\u00b7",
        "\u20ac", "\ud83d\ude00", "a\ud835\udc00b", "na\u00efve", "\u00bd", "\u0663\u0664"};
    private static final byte[][] MALFORMED = {{(byte) 0xFF}, {(byte) 0x80}, {(byte) 0xE2, (byte) 0x82},
        {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xC3}};

    @TempDir
    Path dir;

    /** Random text of about {@code pieces} pieces; {@code malformed} also mixes in malformed byte sequences. */
    static byte[] text(long seed, int pieces, boolean malformed) {
        SplittableRandom random = new SplittableRandom(seed);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < pieces; i++) {
            if (malformed && random.nextInt(25) == 0) {
                out.writeBytes(MALFORMED[random.nextInt(MALFORMED.length)]);
            } else if (random.nextInt(200) == 0) {
                out.writeBytes("long".repeat(1 + random.nextInt(300)).getBytes(StandardCharsets.UTF_8));
            } else {
                out.writeBytes(PIECES[random.nextInt(PIECES.length)].getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }

    /** The oracle: the decoded text's words (runs of letter-or-digit chars), lower-cased, counted in a HashMap. */
    static Map<String, Long> oracle(byte[] text) {
        String decoded = new String(text, StandardCharsets.UTF_8);
        Map<String, Long> counts = new HashMap<>();
        int n = decoded.length();
        for (int i = 0; i < n; ) {
            while (i < n && !Character.isLetterOrDigit(decoded.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && Character.isLetterOrDigit(decoded.charAt(i))) {
                i++;
            }
            if (i > start) {
                counts.merge(decoded.substring(start, i).toLowerCase(Locale.ROOT), 1L, Long::sum);
            }
        }
        return counts;
    }

    private static Map<String, Long> counts(WordTable table) {
        Map<String, Long> counts = new TreeMap<>();
        for (int e = 0; e < table.size(); e++) {
            assertEquals(null, counts.put(table.word(e), table.count(e)), "one entry per word");
        }
        return counts;
    }

    @Test
    void shouldAgreeWithTheOracleOnTextsKnownByHeart() {
        assertEquals(Map.of("the", 3L, "cat", 1L, "s", 1L, "42", 1L), scan("The cat's 42 THE the!"));
        assertEquals(Map.of("kelvin", 2L, "i\u0307stanbul", 1L), scan("\u212aelvin KELVIN \u0130stanbul"));
        assertEquals(Map.of("\u03bf\u03b4\u03bf\u03c2", 1L), scan("\u039f\u0394\u039f\u03a3")); // final sigma
        assertEquals(Map.of("a", 1L, "b", 1L), scan("a\ud835\udc00b")); // a surrogate pair separates
        assertEquals(Map.of("x", 1L, "y", 1L), scan("x\u00a0y"));
        assertEquals(Map.of(), scan(""));
        assertEquals(Map.of("crlf", 2L), scan("crlf\r\nCRLF\r\n"));
        // words that share their first eight bytes, or are a prefix of one another, around the packed length
        assertEquals(Map.of("abcdefg", 2L, "abcdefgh", 3L, "abcdefghi", 1L, "abcdefghij", 2L, "abcdefgh\u00e9", 1L),
            scan("abcdefgh abcdefghi ABCDEFG abcdefghij abcdefgh abcdefg AbcdefghiJ abcdefgh ABCDEFGH\u00c9"));
        // the same first eight bytes and the same hash ("c0" and "an": 99 * 31 + 48 == 97 * 31 + 110)
        assertEquals(WordTable.hash("abcdefghc0".getBytes(StandardCharsets.US_ASCII), 0, 10),
            WordTable.hash("abcdefghan".getBytes(StandardCharsets.US_ASCII), 0, 10));
        assertEquals(Map.of("abcdefghc0", 2L, "abcdefghan", 1L), scan("abcdefghc0 abcdefghan ABCDEFGHC0"));
        assertEquals(Map.of("\u00e9t\u00e9", 2L, "\u00e9t\u00e9s", 1L, "\u00e9t\u00e9st\u00e9", 1L),
            scan("\u00e9t\u00e9 \u00c9T\u00c9S \u00e9t\u00e9 \u00e9t\u00e9st\u00e9"));
    }

    private static Map<String, Long> scan(String text) {
        WordTable table = new WordTable();
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        new WordScanner(table).scan(bytes, 0, bytes.length);
        Map<String, Long> got = counts(table);
        assertEquals(new TreeMap<>(oracle(bytes)), got, "the oracle agrees on " + text);
        return got;
    }

    /**
     * The chunk reader: for several texts (with malformed bytes in half of them), every number of chunks up to 7 and
     * windows from one byte (every word grows its window) to the default, the chunks' counts add up to the oracle's.
     */
    @ParameterizedTest(name = "seed {0}, {1} pieces, malformed {2}")
    @CsvSource({"1,0,false", "2,1,false", "3,40,true", "4,3000,false", "5,3000,true", "6,20000,true"})
    void shouldCountEveryWordOnceWhereverCutsAndWindowsFall(long seed, int pieces, boolean malformed)
        throws IOException {
        byte[] text = text(seed, pieces, malformed);
        Path file = dir.resolve("words-" + seed + ".txt");
        Files.write(file, text);
        Map<String, Long> expected = new TreeMap<>(oracle(text));
        long size = text.length;
        try (FileChannel channel = FileChannel.open(file)) {
            for (int window : new int[] {1, 3, 64, 4096, TextInput.WINDOW_BYTES}) {
                for (int chunks = 1; chunks <= 7; chunks++) {
                    Map<String, Long> all = new TreeMap<>();
                    long previousEnd = 0;
                    for (int j = 0; j < chunks; j++) {
                        long from = TextInput.boundary(size, chunks, j);
                        long to = TextInput.boundary(size, chunks, j + 1);
                        byte[] probe = new byte[7];
                        long start = WordInput.lineStart(channel, from, size, probe);
                        long end = WordInput.lineStart(channel, to, size, probe);
                        assertEquals(previousEnd, start, "chunk " + j + " starts where chunk " + (j - 1) + " ends");
                        assertTrue(start <= end && (start == 0 || start == size || text[(int) start - 1] == '\n'), "chunk " + j);
                        previousEnd = end;
                        WordTable table = new WordTable();
                        WordInput.scanRange(channel, start, end, window, new WordScanner(table));
                        counts(table).forEach((word, count) -> all.merge(word, count, Long::sum));
                    }
                    assertEquals(size, previousEnd, "the chunks cover the file");
                    assertEquals(expected, all, chunks + " chunks, window " + window);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} rank(s), {1} worker(s), {2} pieces")
    @CsvSource({"1,1,5000", "1,2,5000", "2,1,20000", "2,2,20000", "3,2,7", "4,3,20000", "2,2,0"})
    void shouldCountTheWordsOfAFileOverRanksAndWorkers(int ranks, int workers, int pieces) throws IOException {
        byte[] text = text(ranks * 31L + workers, pieces, true);
        Path file = dir.resolve("words.txt");
        Files.write(file, text);
        Object[] results = KVPairsTest.run(ranks, workers, bind -> {
            KVPairs<String, Long> words = KVPairs.words(bind, file);
            Map<String, List<Long>> partial = words.local();
            Map<String, List<Long>> total = words
                .reduce(String.class, Long.class, (word, counts, out) -> out.emit(word, sum(counts)))
                .gatherAll();
            return List.of(partial, total);
        });
        Map<String, Long> expected = new TreeMap<>(oracle(text));
        Map<String, Long> partials = new TreeMap<>();
        for (int r = 0; r < ranks; r++) {
            @SuppressWarnings("unchecked")
            List<Map<String, List<Long>>> got = (List<Map<String, List<Long>>>) results[r];
            Map<String, Long> total = new TreeMap<>();
            got.get(1).forEach((word, counts) -> {
                assertEquals(1, counts.size(), "one total of " + word);
                total.put(word, counts.get(0));
            });
            assertEquals(expected, total, "rank " + r);
            got.get(0).forEach((word, counts) -> {
                assertEquals(1, counts.size(), "one count of " + word + " per rank");
                partials.merge(word, counts.get(0), Long::sum);
            });
        }
        assertEquals(expected, partials, "the ranks' own counts add up");
    }

    private static long sum(List<Long> counts) {
        long sum = 0;
        for (long count : counts) {
            sum += count;
        }
        return sum;
    }

    @Test
    void shouldRejectAMissingFileAtTheCall() {
        InProcJob.run(1, 30, TimeUnit.SECONDS, bind -> {
            IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> KVPairs.words(bind, dir.resolve("missing.txt")));
            assertTrue(missing.getMessage().startsWith("KVPairs.words: cannot read "), missing.getMessage());
            IllegalArgumentException directory = assertThrows(IllegalArgumentException.class,
                () -> KVPairs.words(bind, dir));
            assertTrue(directory.getMessage().endsWith("is not a readable regular file"), directory.getMessage());
            assertEquals("KVPairs.words: file is null",
                assertThrows(IllegalArgumentException.class, () -> KVPairs.words(bind, null)).getMessage());
        });
    }
}
