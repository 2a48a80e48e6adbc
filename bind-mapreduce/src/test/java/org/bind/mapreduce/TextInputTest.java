package org.bind.mapreduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

/** {@link KVPairs#lines}: every line once, in chunks spread over ranks and workers. */
@Timeout(120)
class TextInputTest {
    @TempDir
    Path dir;

    /** Lines of random length (some empty, some long, some non-ASCII), some ending in CR LF. */
    static List<String> text(int count) {
        SplittableRandom random = new SplittableRandom(count);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            StringBuilder line = new StringBuilder();
            int words = random.nextInt(10) == 0 ? 0 : random.nextInt(random.nextInt(20) == 0 ? 400 : 12);
            for (int w = 0; w < words; w++) {
                line.append(w == 0 ? "" : " ").append(random.nextInt(7) == 0 ? "été" : "w" + random.nextInt(50));
            }
            lines.add(line.toString());
        }
        return lines;
    }

    static Path write(Path dir, List<String> lines, boolean finalNewline) throws IOException {
        StringBuilder file = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            file.append(lines.get(i));
            if (i < lines.size() - 1 || finalNewline) {
                file.append(i % 3 == 0 ? "\r\n" : "\n");
            }
        }
        Path path = dir.resolve("text-" + lines.size() + "-" + finalNewline + ".txt");
        Files.write(path, file.toString().getBytes(StandardCharsets.UTF_8));
        return path;
    }

    /** The lines gathered back in key order: must be the input, each line once, in order. */
    private static List<String> rejoin(Map<Long, List<String>> chunks) {
        List<String> all = new ArrayList<>();
        new TreeMap<>(chunks).values().forEach(all::addAll);
        return all;
    }

    @ParameterizedTest(name = "{0} rank(s), {1} worker(s), {2} lines, final newline {3}")
    @CsvSource({"1,1,500,true", "1,3,500,false", "2,2,2000,true", "3,2,1,false", "4,3,2000,false", "4,2,3,true",
        "2,2,0,true"})
    void shouldReadEveryLineOfAFileOnceInEvenChunks(int ranks, int workers, int count, boolean finalNewline)
        throws IOException {
        List<String> lines = text(count);
        Path file = write(dir, lines, finalNewline);
        Object[] results = KVPairsTest.run(ranks, workers, bind -> {
            KVPairs<Long, String> input = KVPairs.lines(bind, file);
            return List.of(input.gatherAll(), input.local());
        });
        long size = Files.size(file);
        for (int r = 0; r < ranks; r++) {
            @SuppressWarnings("unchecked")
            List<Map<Long, List<String>>> got = (List<Map<Long, List<String>>>) results[r];
            assertEquals(lines, rejoin(got.get(0)), "rank " + r);
            for (long offset : got.get(1).keySet()) { // this rank's chunks start in its byte range
                assertTrue(offset >= size * r / ranks && offset < size * (r + 1) / ranks,
                    "chunk at " + offset + " on rank " + r);
            }
            if (count >= 2000) {
                assertEquals(workers, got.get(1).size(), "one chunk per worker on rank " + r);
            }
        }
    }

    @ParameterizedTest(name = "{0} rank(s), {1} worker(s), {2} lines")
    @CsvSource({"1,2,100", "2,2,7", "3,2,1000", "4,3,2"})
    void shouldCountWordsOfAListOfLinesLikeAPlainLoop(int ranks, int workers, int count) {
        List<String> lines = text(count);
        Object[] results = KVPairsTest.run(ranks, workers, bind -> KVPairs.lines(bind, lines)
            .map(String.class, Integer.class, (first, chunk, out) -> {
                for (String line : chunk) {
                    for (String word : line.split(" ")) {
                        if (!word.isEmpty()) {
                            out.emit(word, 1);
                        }
                    }
                }
            })
            .reduce(String.class, Integer.class, (word, ones, out) -> out.emit(word, ones.size()))
            .gatherAll());
        Map<String, List<Integer>> expected = new TreeMap<>();
        for (String line : lines) {
            for (String word : line.split(" ")) {
                if (!word.isEmpty()) {
                    expected.merge(word, List.of(1), (a, b) -> List.of(a.get(0) + 1));
                }
            }
        }
        for (int r = 0; r < ranks; r++) {
            @SuppressWarnings("unchecked")
            Map<String, List<Integer>> got = (Map<String, List<Integer>>) results[r];
            assertEquals(expected, new TreeMap<>(got), "rank " + r);
        }
    }

    /**
     * The chunk reader itself, against {@code Files.readAllLines}: for every number of chunks up to 13 and windows
     * from one byte (every line grows its window) to the default, the chunks' lines joined are the file's, each once
     * and in order; files with and without a final newline, CR LF, multi-byte characters (2, 3 and 4 bytes) wherever
     * the cuts fall, empty lines, an empty file and files shorter than the number of chunks.
     */
    @ParameterizedTest(name = "{0} lines, final newline {1}")
    @CsvSource({"0,true", "1,false", "1,true", "2,false", "3,true", "40,false", "300,true", "300,false"})
    void shouldReadEachLineOnceWhereverTheCutsFall(int count, boolean finalNewline) throws IOException {
        List<String> lines = new ArrayList<>(text(count));
        for (int i = 0; i < lines.size(); i += 3) {
            lines.set(i, lines.get(i) + (i % 2 == 0 ? " \u20ac\u00e9\ud83d\ude00" : "\u00df"));
        }
        if (!finalNewline && count > 0 && lines.get(count - 1).isEmpty()) {
            lines.set(count - 1, "end"); // else the file would end in a newline after all
        }
        Path file = write(dir, lines, finalNewline);
        assertEquals(lines, Files.readAllLines(file, StandardCharsets.UTF_8), "the oracle reads the file written");
        long size = Files.size(file);
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file)) {
            for (int window : new int[] {1, 5, 64, TextInput.WINDOW_BYTES}) {
                for (int chunks = 1; chunks <= 13; chunks++) {
                    List<Object> all = new ArrayList<>();
                    for (int j = 0; j < chunks; j++) {
                        long from = TextInput.boundary(size, chunks, j);
                        long to = TextInput.boundary(size, chunks, j + 1);
                        List<Object> chunk = new ArrayList<>();
                        long first = TextInput.readRange(channel, from, to, window, chunk);
                        assertEquals(chunk.isEmpty(), first < 0, "chunk " + j + " of " + chunks);
                        assertTrue(first < 0 || (first >= from && first < to), "first line at " + first);
                        all.addAll(chunk);
                    }
                    assertEquals(lines, all, chunks + " chunks, window " + window);
                }
            }
        }
    }

    @Test
    void shouldFindTheFirstNewlineInEveryPosition() {
        for (int length = 0; length < 40; length++) {
            byte[] bytes = new byte[length];
            java.util.Arrays.fill(bytes, (byte) 0x8A); // high bit set, low bits of '\n': never a newline
            assertEquals(-1, TextInput.indexOfNewline(bytes, 0, length));
            for (int at = 0; at < length; at++) {
                bytes[at] = '\n';
                for (int from = 0; from <= at; from++) {
                    assertEquals(at, TextInput.indexOfNewline(bytes, from, length), "at " + at + " from " + from);
                }
                assertEquals(-1, TextInput.indexOfNewline(bytes, 0, at), "before " + at);
                if (at + 1 < length) {
                    bytes[at + 1] = '\n';
                    assertEquals(at, TextInput.indexOfNewline(bytes, 0, length), "two in a row at " + at);
                    bytes[at + 1] = (byte) 0x0B;
                    assertEquals(at, TextInput.indexOfNewline(bytes, 0, length), "0x0B after " + at);
                    bytes[at + 1] = (byte) 0x8A;
                }
                bytes[at] = (byte) 0x09; // one below '\n'
                assertEquals(-1, TextInput.indexOfNewline(bytes, 0, length), "0x09 at " + at);
                bytes[at] = (byte) 0x8A;
            }
        }
    }

    @Test
    void shouldRejectAMissingFileAtTheCall() {
        InProcJob.run(1, 30, TimeUnit.SECONDS, bind -> {
            IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> KVPairs.lines(bind, dir.resolve("missing.txt")));
            assertTrue(missing.getMessage().startsWith("KVPairs.lines: cannot read "), missing.getMessage());
            assertThrows(IllegalArgumentException.class, () -> KVPairs.lines(bind, (Path) null));
            IllegalArgumentException nullLine = assertThrows(IllegalArgumentException.class,
                () -> KVPairs.lines(bind, java.util.Arrays.asList("a", null)));
            assertEquals("KVPairs.lines: line 1 is null", nullLine.getMessage());
        });
    }

    @Test
    void shouldCutByteRangesExactly() {
        assertEquals(0, TextInput.boundary(10, 4, 0));
        assertEquals(2, TextInput.boundary(10, 4, 1));
        assertEquals(5, TextInput.boundary(10, 4, 2));
        assertEquals(10, TextInput.boundary(10, 4, 4));
        for (int j = 0; j <= 7; j++) { // no overflow: against exact arithmetic
            assertEquals(java.math.BigInteger.valueOf(Long.MAX_VALUE - 5).multiply(java.math.BigInteger.valueOf(j))
                .divide(java.math.BigInteger.valueOf(7)).longValueExact(), TextInput.boundary(Long.MAX_VALUE - 5, 7, j));
        }
    }
}
