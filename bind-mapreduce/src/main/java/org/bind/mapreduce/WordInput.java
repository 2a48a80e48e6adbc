package org.bind.mapreduce;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import org.bind.Bind;
import org.bind.ByRef;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;

/**
 * {@link KVPairs#words}: a file cut as {@link TextInput} cuts it for {@code lines} ({@code ranks * parts} chunks of
 * about equal bytes, a line in the chunk its first byte is in), one op per chunk on its rank that reads the chunk's
 * bytes in windows and counts their words ({@link WordScanner}) into a {@link WordTable}, then hands on a
 * {@link Folded} table of {@code String} keys and {@code Long} counts: what a map op of
 * {@code mapToLong(String.class, ..., Long::sum)} leaves, so that {@code reduce}, {@code local()} and the gathers
 * take it as they take that map's result.
 *
 * <p>Chunk {@code j} holds bytes {@code [s(j), s(j + 1))} where {@code s(j)} is the start of the first line that
 * starts at or after byte {@code j * size / n}. A window is cut after its last ASCII byte that is not a letter or
 * digit, the rest moved to the next window (grown for a longer run of letters), so no word is split.
 */
final class WordInput {
    private WordInput() {
    }

    /** See {@link KVPairs#words}. */
    static KVPairs<String, Long> file(Bind bind, Path file) {
        long size = TextInput.checkedSize("KVPairs.words", bind, file);
        String path = file.toAbsolutePath().toString();
        PairBlock.Types types = new PairBlock.Types(Kind.of(String.class, "key type"),
            Kind.of(Long.class, "value type"));
        int ranks = bind.size();
        int parts = bind.workers();
        PairOps.Step step = new PairOps.Step("KVPairs.words", String.class, Long.class, types, parts,
            NumericFold.longs(Long::sum));
        @SuppressWarnings("unchecked")
        Cell<Folded>[][] tables = new Cell[ranks][parts];
        for (int q = 0; q < ranks; q++) {
            try (Scope s = bind.on(q)) {
                for (int p = 0; p < parts; p++) {
                    int chunk = q * parts + p;
                    tables[q][p] = FoldedPairs.table(step);
                    count(path, TextInput.boundary(size, ranks * parts, chunk),
                        TextInput.boundary(size, ranks * parts, chunk + 1), size, step, tables[q][p]);
                }
            }
        }
        return KVPairs.folded(bind, step, tables);
    }

    /** Counts the words of the lines of {@code file} that start in bytes {@code [from, to)}. */
    @Op
    static void count(String file, long from, long to, long size, @ByRef PairOps.Step step, @Out Cell<Folded> table) {
        WordTable words = new WordTable();
        try (FileChannel channel = FileChannel.open(Path.of(file), StandardOpenOption.READ)) {
            byte[] probe = new byte[1 << 16];
            scanRange(channel, lineStart(channel, from, size, probe), lineStart(channel, to, size, probe),
                TextInput.WINDOW_BYTES, new WordScanner(words));
        } catch (IOException e) {
            throw new UncheckedIOException("KVPairs.words: cannot read " + file + ": " + e.getMessage(), e);
        }
        table.set(words.folded(step));
    }

    /**
     * Where the chunk cut at byte {@code cut} of a file of {@code size} bytes starts: the first line start at or
     * after {@code cut} (0 for 0, {@code size} for {@code size}). The end of one chunk is the start of the next.
     */
    static long lineStart(FileChannel channel, long cut, long size, byte[] probe) throws IOException {
        return cut == 0 || cut >= size ? Math.min(cut, size) : TextInput.lineStartAfter(channel, cut - 1, probe);
    }

    /**
     * Scans bytes {@code [start, end)} of {@code channel} (fewer if the file ends first) in windows of
     * {@code windowBytes}, each cut after its last separator byte ({@link WordScanner#afterLastSeparator}).
     */
    static void scanRange(FileChannel channel, long start, long end, int windowBytes, WordScanner scanner)
        throws IOException {
        byte[] window = new byte[Math.max(1, windowBytes)];
        long at = start; // file position of window[0]
        int filled = 0;
        while (true) {
            long left = end - (at + filled);
            int n = left <= 0 ? -1 : channel.read(ByteBuffer.wrap(window, filled,
                (int) Math.min(window.length - filled, left)), at + filled);
            filled += Math.max(0, n);
            boolean last = n < 0 || at + filled >= end;
            if (!last && filled < window.length) {
                continue; // a short read: fill the window first
            }
            int cut = last ? filled : WordScanner.afterLastSeparator(window, filled);
            if (cut == 0 && !last) { // one run of letters fills the window: grow it
                if (window.length >= Integer.MAX_VALUE / 2) {
                    throw new IllegalStateException("KVPairs.words: a word longer than " + window.length + " bytes");
                }
                window = Arrays.copyOf(window, 2 * window.length);
                continue;
            }
            scanner.scan(window, 0, cut);
            if (last) {
                return;
            }
            System.arraycopy(window, cut, window, 0, filled - cut);
            at += cut;
            filled -= cut;
        }
    }
}
