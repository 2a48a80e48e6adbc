package org.bind.mapreduce;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
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
 * {@code \n} or {@code \r\n}. A list is cut by lines.
 */
final class TextInput {
    private static final int READ_BYTES = 1 << 16;

    private TextInput() {
    }

    /** See {@link KVPairs#lines(Bind, Path)}. */
    static KVPairs<Long, String> file(Bind bind, Path file) {
        if (bind == null || file == null) {
            throw new IllegalArgumentException("KVPairs.lines: " + (bind == null ? "bind" : "file") + " is null");
        }
        long size;
        try {
            size = Files.size(file);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("KVPairs.lines: cannot read " + file + ": " + e, e);
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException("KVPairs.lines: " + file + " is not a readable regular file");
        }
        String path = file.toAbsolutePath().toString();
        return chunked(bind, (types, chunk, total, cell) -> readFile(path,
            boundary(size, total, chunk), boundary(size, total, chunk + 1), types, cell));
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
        List<Object> lines = new ArrayList<>();
        long first = -1;
        try (FileChannel channel = FileChannel.open(Path.of(file), StandardOpenOption.READ)) {
            long position = from;
            if (from > 0) { // a line starts here only if the byte before ends one: skip to the next line start
                position = from - 1;
                position = skipLine(channel, position);
            }
            if (position < to) {
                first = position;
                readLines(channel, position, to, lines);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("KVPairs.lines: cannot read " + file + ": " + e.getMessage(), e);
        }
        if (first < 0) {
            chunk.set(new Group[0]);
            return;
        }
        Long key = first;
        chunk.set(new Group[] {new Group(key, types.keys().hash(key), new ArrayList<>(lines))});
    }

    /** The position after the first {@code \n} at or after {@code position} (the file's size when there is none). */
    private static long skipLine(FileChannel channel, long position) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(READ_BYTES);
        long at = position;
        while (true) {
            buffer.clear();
            int n = channel.read(buffer, at);
            if (n <= 0) {
                return at;
            }
            for (int i = 0; i < n; i++) {
                if (buffer.get(i) == '\n') {
                    return at + i + 1;
                }
            }
            at += n;
        }
    }

    /** Reads the lines that start before {@code to}, the last one to its end. */
    private static void readLines(FileChannel channel, long position, long to, List<Object> lines)
        throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(READ_BYTES);
        byte[] line = new byte[256];
        int length = 0;
        long at = position;    // file position of buffer[0]
        long lineStart = position;
        while (true) {
            buffer.clear();
            int n = channel.read(buffer, at);
            if (n <= 0) {
                if (length > 0) {
                    lines.add(decode(line, length));
                }
                return;
            }
            byte[] bytes = buffer.array();
            for (int i = 0; i < n; i++) {
                if (bytes[i] == '\n') {
                    lines.add(decode(line, length));
                    length = 0;
                    lineStart = at + i + 1;
                    if (lineStart >= to) {
                        return;
                    }
                } else {
                    if (length == line.length) {
                        line = java.util.Arrays.copyOf(line, 2 * length);
                    }
                    line[length++] = bytes[i];
                }
            }
            at += n;
        }
    }

    private static String decode(byte[] line, int length) {
        int end = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
        return new String(line, 0, end, StandardCharsets.UTF_8);
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
