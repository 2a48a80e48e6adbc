package org.bind.mapreduce;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.bind.Bind;
import org.bind.ByRef;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;

/**
 * Text input for {@link KVPairs}: lines cut into one chunk per part of every rank, {@code ranks * parts} chunks in
 * all, chunk {@code c} of rank {@code r} being global chunk {@code r * parts + c}. Each chunk is read by an op on
 * its rank and becomes part {@code c}'s only group, whose key is where the chunk starts (a byte offset for a
 * file, a line index for a list) and whose values are its lines; so the first map runs on every worker of every
 * rank with an even share, whatever the keys hash to.
 *
 * <p>A file is cut by bytes: chunk {@code j} holds the lines that start in bytes
 * {@code [j * size / n, (j + 1) * size / n)} (as Hadoop's text input does), decoded as UTF-8, without their
 * {@code \n} or {@code \r\n}. A chunk's op reads its bytes in windows of {@link #WINDOW_BYTES}, finds the line ends
 * eight bytes at a time, and makes each line's {@code String} straight from the window (the JDK's decoder copies
 * ASCII runs as they are). Cuts fall only after a {@code \n} byte, which is never part of a multi-byte UTF-8
 * character. A list is cut by lines.
 */
final class TextInput {
    /** Bytes read at a time by a chunk's op (a window grows for a longer line). */
    static final int WINDOW_BYTES = 1 << 20;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class,
        ByteOrder.LITTLE_ENDIAN);
    private static final long NEWLINES = 0x0A0A0A0A0A0A0A0AL;
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    private TextInput() {
    }

    /** See {@link KVPairs#lines(Bind, Path)}. */
    static KVPairs<Long, String> file(Bind bind, Path file) {
        long size = checkedSize("KVPairs.lines", bind, file);
        String path = file.toAbsolutePath().toString();
        return chunked(bind, (types, chunk, total, cell) -> readFile(path,
            boundary(size, total, chunk), boundary(size, total, chunk + 1), types, cell));
    }

    /**
     * The size of {@code file}, checked for {@code call} (named in messages) to be a readable regular file.
     *
     * @throws IllegalArgumentException when an argument is null or {@code file} is not a readable regular file
     */
    static long checkedSize(String call, Bind bind, Path file) {
        if (bind == null || file == null) {
            throw new IllegalArgumentException(call + ": " + (bind == null ? "bind" : "file") + " is null");
        }
        long size;
        try {
            size = Files.size(file);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(call + ": cannot read " + file + ": " + e, e);
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException(call + ": " + file + " is not a readable regular file");
        }
        return size;
    }

    /** See {@link KVPairs#lines(Bind, List)}. */
    static KVPairs<Long, String> list(Bind bind, List<String> lines) {
        if (bind == null || lines == null) {
            throw new IllegalArgumentException("KVPairs.lines: " + (bind == null ? "bind" : "lines") + " is null");
        }
        List<String> copy;
        try {
            copy = List.copyOf(lines);
        } catch (NullPointerException e) {
            throw new IllegalArgumentException("KVPairs.lines: line " + lines.indexOf(null) + " is null", e);
        }
        int n = copy.size();
        return chunked(bind, (types, chunk, total, cell) -> readList(copy,
            (int) boundary(n, total, chunk), (int) boundary(n, total, chunk + 1), types, cell));
    }

    /** Submits the op that reads one chunk into its cell. */
    private interface ChunkReader {
        void read(PairBlock.Types types, int chunk, int chunks, Cell<Group[]> cell);
    }

    private static KVPairs<Long, String> chunked(Bind bind, ChunkReader reader) {
        PairBlock.Types types = new PairBlock.Types(Kind.of(Long.class, "key type"),
            Kind.of(String.class, "value type"));
        int ranks = bind.size();
        int parts = bind.workers();
        @SuppressWarnings("unchecked")
        Cell<Group[]>[][] segments = new Cell[ranks][parts];
        for (int q = 0; q < ranks; q++) {
            try (Scope s = bind.on(q)) {
                for (int p = 0; p < parts; p++) {
                    segments[q][p] = Cell.of(PairBlock.segmentCodec(types));
                    reader.read(types, q * parts + p, ranks * parts, segments[q][p]);
                }
            }
        }
        return new KVPairs<>(bind, types, parts, segments);
    }

    /** Byte {@code j * size / chunks}: where chunk {@code j}'s range starts. */
    static long boundary(long size, int chunks, int j) {
        return size / chunks * j + size % chunks * j / chunks; // exact floor(size * j / chunks), no overflow
    }

    /** Reads the lines starting in bytes {@code [from, to)} of {@code file} into one group keyed {@code from}. */
    @Op
    static void readFile(String file, long from, long to, @ByRef PairBlock.Types types, @Out Cell<Group[]> chunk) {
        ArrayList<Object> lines = new ArrayList<>();
        long first;
        try (FileChannel channel = FileChannel.open(Path.of(file), StandardOpenOption.READ)) {
            first = readRange(channel, from, to, WINDOW_BYTES, lines);
        } catch (IOException e) {
            throw new UncheckedIOException("KVPairs.lines: cannot read " + file + ": " + e.getMessage(), e);
        }
        if (first < 0) {
            chunk.set(new Group[0]);
            return;
        }
        Long key = first;
        chunk.set(new Group[] {new Group(key, types.keys().hash(key), lines)});
    }

    /**
     * Adds to {@code lines} the lines of {@code channel} that start in bytes {@code [from, to)}, each decoded from
     * the read window itself (one {@code String} per line, no other copy), and returns where the first one starts
     * ({@code -1} when none does). The file is read in windows of {@code windowBytes} (grown for a longer line);
     * a window's line ends are found eight bytes at a time.
     */
    static long readRange(FileChannel channel, long from, long to, int windowBytes, List<Object> lines)
        throws IOException {
        byte[] window = new byte[Math.max(1, windowBytes)];
        long start = from == 0 ? 0 : lineStartAfter(channel, from - 1, window); // a line starts after a \n
        if (start >= to) {
            return -1;
        }
        long at = start;  // file position of window[0]
        int filled = 0;   // bytes read into the window
        int line = 0;     // where the current line starts in the window
        while (true) {
            if (filled == window.length) { // make room: drop the lines done, or grow for a long line
                if (line > 0) {
                    System.arraycopy(window, line, window, 0, filled - line);
                    at += line;
                    filled -= line;
                    line = 0;
                } else {
                    window = Arrays.copyOf(window, grownLength(window.length));
                }
            }
            int n = channel.read(ByteBuffer.wrap(window, filled, window.length - filled), at + filled);
            if (n <= 0) { // end of file: the last line has no \n
                if (filled > line) {
                    lines.add(decode(window, line, filled));
                }
                return lines.isEmpty() ? -1 : start;
            }
            int end = filled + n;
            for (int i = indexOfNewline(window, filled, end); i >= 0; i = indexOfNewline(window, i + 1, end)) {
                lines.add(decode(window, line, i));
                line = i + 1;
                if (at + line >= to) {
                    return start;
                }
            }
            filled = end;
        }
    }

    private static int grownLength(int length) {
        if (length >= Integer.MAX_VALUE - 16) {
            throw new IllegalStateException("KVPairs.lines: a line longer than " + length + " bytes");
        }
        return (int) Math.min(Integer.MAX_VALUE - 16, 2L * length);
    }

    /** The position after the first {@code \n} at or after {@code position} (the file's size when there is none). */
    static long lineStartAfter(FileChannel channel, long position, byte[] window) throws IOException {
        long at = position;
        while (true) {
            int n = channel.read(ByteBuffer.wrap(window), at);
            if (n <= 0) {
                return at;
            }
            int i = indexOfNewline(window, 0, n);
            if (i >= 0) {
                return at + i + 1;
            }
            at += n;
        }
    }

    /** The index of the first {@code \n} in {@code bytes[from, to)}, or -1: a word of eight bytes at a time. */
    static int indexOfNewline(byte[] bytes, int from, int to) {
        int i = from;
        for (; i + Long.BYTES <= to; i += Long.BYTES) {
            long x = (long) LONGS.get(bytes, i) ^ NEWLINES;
            long found = (x - ONES) & ~x & HIGHS; // the lowest flagged byte is the first \n (no false one below it)
            if (found != 0) {
                return i + (Long.numberOfTrailingZeros(found) >>> 3);
            }
        }
        for (; i < to; i++) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** Line {@code bytes[from, end)} as UTF-8, without a final {@code \r}. */
    private static String decode(byte[] bytes, int from, int end) {
        int last = end > from && bytes[end - 1] == '\r' ? end - 1 : end;
        return new String(bytes, from, last - from, StandardCharsets.UTF_8);
    }

    /** Chunk {@code [from, to)} of {@code lines} as one group keyed {@code from}; an empty segment for no lines. */
    @Op
    static void readList(@ByRef List<String> lines, int from, int to, @ByRef PairBlock.Types types,
                         @Out Cell<Group[]> chunk) {
        if (from == to) {
            chunk.set(new Group[0]);
            return;
        }
        Long key = (long) from;
        chunk.set(new Group[] {new Group(key, types.keys().hash(key), new ArrayList<>(lines.subList(from, to)))});
    }
}
