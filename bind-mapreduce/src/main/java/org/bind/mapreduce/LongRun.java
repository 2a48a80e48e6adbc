package org.bind.mapreduce;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.bind.codec.Codec;
import org.bind.codec.CodecException;

/**
 * What one chunk of one rank sends one destination rank in a sort of {@code long} keys ({@link LongSort}): the
 * keys in input order cut into consecutive parts of {@code counts[k]} (part k is the destination's bucket k), with
 * the payload of each key when there is one. Never changed once made.
 *
 * @param keys    the keys, part after part
 * @param payload the payloads, aligned with {@code keys}, or null
 * @param counts  keys per part; their sum is {@code keys.length}
 */
record LongRun(long[] keys, int[] payload, int[] counts) {
    /** Ships one run: part count, has-payload byte, the counts, then the keys and payloads, little-endian. */
    static final Codec<LongRun> CODEC = new RunCodec();
    /** Ships an array of runs: their number, then each run's length and encoding. */
    static final Codec<LongRun[]> ARRAY_CODEC = new RunArrayCodec();

    /** Where part {@code part} starts. */
    int partStart(int part) {
        int start = 0;
        for (int k = 0; k < part; k++) {
            start += counts[k];
        }
        return start;
    }

    private static final class RunCodec implements Codec<LongRun> {
        @Override
        public Class<LongRun> type() {
            return LongRun.class;
        }

        @Override
        public int encodedLength(LongRun run) {
            long length = 5L + 4L * run.counts.length + 8L * run.keys.length
                + (run.payload == null ? 0 : 4L * run.payload.length);
            if (length > Integer.MAX_VALUE - 64) {
                throw new CodecException("a sort block of " + run.keys.length + " keys exceeds 2 GiB; use more ranks"
                    + " or parts");
            }
            return (int) length;
        }

        @Override
        public int encode(LongRun run, ByteBuffer buffer, int offset) {
            ByteBuffer out = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            out.position(offset);
            out.putInt(run.counts.length);
            out.put((byte) (run.payload == null ? 0 : 1));
            for (int count : run.counts) {
                out.putInt(count);
            }
            out.asLongBuffer().put(run.keys);
            out.position(out.position() + 8 * run.keys.length);
            if (run.payload != null) {
                out.asIntBuffer().put(run.payload);
                out.position(out.position() + 4 * run.payload.length);
            }
            return out.position() - offset;
        }

        @Override
        public LongRun decode(ByteBuffer buffer, int offset, int length) {
            if (length < 5 || offset < 0 || offset + (long) length > buffer.limit()) {
                throw new CodecException("malformed sort block: " + length + " bytes at " + offset);
            }
            ByteBuffer in = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            in.position(offset).limit(offset + length);
            int parts = in.getInt();
            int hasPayload = in.get();
            if (parts < 0 || parts > in.remaining() / 4 || (hasPayload != 0 && hasPayload != 1)) {
                throw new CodecException("malformed sort block: " + parts + " parts, payload flag " + hasPayload);
            }
            int[] counts = new int[parts];
            long total = 0;
            for (int k = 0; k < parts; k++) {
                counts[k] = in.getInt();
                if (counts[k] < 0) {
                    throw new CodecException("malformed sort block: part " + k + " of " + counts[k] + " keys");
                }
                total += counts[k];
            }
            if (total * (hasPayload == 1 ? 12 : 8) != in.remaining()) {
                throw new CodecException("malformed sort block: " + total + " keys in " + in.remaining() + " bytes");
            }
            long[] keys = new long[(int) total];
            in.asLongBuffer().get(keys);
            in.position(in.position() + 8 * keys.length);
            int[] payload = null;
            if (hasPayload == 1) {
                payload = new int[keys.length];
                in.asIntBuffer().get(payload);
            }
            return new LongRun(keys, payload, counts);
        }

        @Override
        public LongRun copy(LongRun run) {
            return run; // never changed once made
        }
    }

    private static final class RunArrayCodec implements Codec<LongRun[]> {
        @Override
        public Class<LongRun[]> type() {
            return LongRun[].class;
        }

        @Override
        public int encodedLength(LongRun[] runs) {
            long length = 4;
            for (LongRun run : runs) {
                length += 4 + CODEC.encodedLength(run);
            }
            if (length > Integer.MAX_VALUE - 64) {
                throw new CodecException("sort blocks of " + length + " bytes exceed 2 GiB; use more parts");
            }
            return (int) length;
        }

        @Override
        public int encode(LongRun[] runs, ByteBuffer buffer, int offset) {
            ByteBuffer out = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            out.putInt(offset, runs.length);
            int at = offset + 4;
            for (LongRun run : runs) {
                int written = CODEC.encode(run, buffer, at + 4);
                out.putInt(at, written);
                at += 4 + written;
            }
            return at - offset;
        }

        @Override
        public LongRun[] decode(ByteBuffer buffer, int offset, int length) {
            if (length < 4 || offset < 0 || offset + (long) length > buffer.limit()) {
                throw new CodecException("malformed sort block list: " + length + " bytes at " + offset);
            }
            ByteBuffer in = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            int count = in.getInt(offset);
            if (count < 0 || 4L + 4L * count > length) {
                throw new CodecException("malformed sort block list: " + count + " blocks in " + length + " bytes");
            }
            LongRun[] runs = new LongRun[count];
            int at = offset + 4;
            int end = offset + length;
            for (int i = 0; i < count; i++) {
                int size = end - at >= 4 ? in.getInt(at) : -1;
                if (size < 0 || size > end - at - 4) {
                    throw new CodecException("malformed sort block list: block " + i + " of " + size + " bytes");
                }
                runs[i] = CODEC.decode(buffer, at + 4, size);
                at += 4 + size;
            }
            return runs;
        }

        @Override
        public LongRun[] copy(LongRun[] runs) {
            return runs.clone();
        }
    }
}
