package org.bind.transport;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Payloads of control frames, written and read field by field (strings as int length + UTF-8). Readers check
 * every length against the bytes left before allocating.
 *
 * <p>Stateless; thread safe.
 */
public final class Messages {
    private static final int MAX_STRING_BYTES = 1 << 20;
    private static final int MAX_LONGS = 1 << 22;

    private Messages() {
    }

    /**
     * An op failure: the op, the rank it ran on, the epoch, its place in the program and its exception.
     *
     * @param sequence   the op's index in the program (for ordering failures the same way on every rank)
     * @param opName     {@code Class.method}
     * @param rank       where it failed
     * @param epoch      the epoch it failed in
     * @param causeClass the exception's class name
     * @param causeText  the exception's message and stack trace, as text
     */
    public record Failure(long sequence, String opName, int rank, long epoch, String causeClass, String causeText) {
    }

    /**
     * What a rank submitted in an epoch.
     *
     * @param opCount      ops submitted this epoch
     * @param hash         rolling hash of those ops
     * @param failureCount ops that failed on the sender this epoch (FAILURE frames sent before this one)
     * @param checkpoints  the rolling hash after every {@code checkpointEvery} ops
     * @param closing      sent by the {@code close()} of a launched main: if this epoch fails, the sender's last
     *                     word (an {@code ABORT}) says how its main ended
     */
    public record Sync(long opCount, long hash, int failureCount, long[] checkpoints, boolean closing) {
        /** A {@code SYNC} of {@code sync()}. */
        public Sync(long opCount, long hash, int failureCount, long[] checkpoints) {
            this(opCount, hash, failureCount, checkpoints, false);
        }
    }

    /**
     * The sender's log of one block of ops, after a divergence was found.
     *
     * @param firstOp      index of the first op in the block
     * @param hashes       per-op hashes
     * @param descriptions per-op descriptions ("Ops.foo on rank 1")
     */
    public record Detail(long firstOp, long[] hashes, String[] descriptions) {
    }

    /** A short text, such as the reason of an abort. */
    public static ByteBuffer encodeText(String text) {
        return new Writer().putString(text).done();
    }

    public static String decodeText(ByteBuffer in) {
        return new Reader(in).getString();
    }

    public static ByteBuffer encode(Failure f) {
        Writer w = new Writer();
        w.putLong(f.sequence()).putString(f.opName()).putInt(f.rank()).putLong(f.epoch()).putString(f.causeClass())
            .putString(f.causeText());
        return w.done();
    }

    public static Failure decodeFailure(ByteBuffer in) {
        Reader r = new Reader(in);
        return new Failure(r.getLong(), r.getString(), r.getInt(), r.getLong(), r.getString(), r.getString());
    }

    public static ByteBuffer encode(Sync s) {
        Writer w = new Writer();
        w.putLong(s.opCount()).putLong(s.hash()).putInt(s.failureCount()).putLongs(s.checkpoints())
            .putInt(s.closing() ? 1 : 0);
        return w.done();
    }

    public static Sync decodeSync(ByteBuffer in) {
        Reader r = new Reader(in);
        return new Sync(r.getLong(), r.getLong(), r.getInt(), r.getLongs(), r.getInt() != 0);
    }

    public static ByteBuffer encode(Detail d) {
        Writer w = new Writer();
        w.putLong(d.firstOp()).putLongs(d.hashes()).putInt(d.descriptions().length);
        for (String description : d.descriptions()) {
            w.putString(description);
        }
        return w.done();
    }

    public static Detail decodeDetail(ByteBuffer in) {
        Reader r = new Reader(in);
        long first = r.getLong();
        long[] hashes = r.getLongs();
        int n = r.getInt();
        if (n < 0 || n > hashes.length) {
            throw new MalformedFrameException("detail with " + n + " descriptions for " + hashes.length + " ops");
        }
        String[] descriptions = new String[n];
        for (int i = 0; i < n; i++) {
            descriptions[i] = r.getString();
        }
        return new Detail(first, hashes, descriptions);
    }

    private static final class Writer {
        private ByteBuffer out = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);

        private void ensure(int bytes) {
            if (out.remaining() < bytes) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(out.capacity() * 2, out.position() + bytes))
                    .order(ByteOrder.LITTLE_ENDIAN);
                out.flip();
                bigger.put(out);
                out = bigger;
            }
        }

        Writer putInt(int v) {
            ensure(4);
            out.putInt(v);
            return this;
        }

        Writer putLong(long v) {
            ensure(8);
            out.putLong(v);
            return this;
        }

        Writer putString(String s) {
            byte[] bytes = (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
            if (bytes.length > MAX_STRING_BYTES) {
                bytes = java.util.Arrays.copyOf(bytes, MAX_STRING_BYTES);
            }
            ensure(4 + bytes.length);
            out.putInt(bytes.length).put(bytes);
            return this;
        }

        Writer putLongs(long[] values) {
            ensure(4 + 8 * values.length);
            out.putInt(values.length);
            for (long v : values) {
                out.putLong(v);
            }
            return this;
        }

        ByteBuffer done() {
            out.flip();
            return out;
        }
    }

    private static final class Reader {
        private final ByteBuffer in;

        Reader(ByteBuffer in) {
            this.in = in.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        }

        private void need(long bytes) {
            if (bytes < 0 || bytes > in.remaining()) {
                throw new MalformedFrameException("control message needs " + bytes + " more bytes, has "
                    + in.remaining());
            }
        }

        int getInt() {
            need(4);
            return in.getInt();
        }

        long getLong() {
            need(8);
            return in.getLong();
        }

        String getString() {
            int n = getInt();
            if (n > MAX_STRING_BYTES) {
                throw new MalformedFrameException("string of " + n + " bytes exceeds the cap of " + MAX_STRING_BYTES);
            }
            need(n);
            byte[] bytes = new byte[n];
            in.get(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }

        long[] getLongs() {
            int n = getInt();
            if (n < 0 || n > MAX_LONGS) {
                throw new MalformedFrameException("array of " + n + " longs exceeds the cap of " + MAX_LONGS);
            }
            need(8L * n);
            long[] values = new long[n];
            for (int i = 0; i < n; i++) {
                values[i] = in.getLong();
            }
            return values;
        }
    }
}
