package org.bind.mapreduce;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.bind.codec.CodecException;

/**
 * Ranges of an encoding made of a small header followed by a run of ints, all little-endian: the encoding of an
 * {@link IntBlock}. {@link #encodeRange} writes any byte range of it straight from the ints (so a block goes from
 * its array into the transport's buffer, one copy), and {@link Body} writes received bytes straight into the array
 * that will hold the ints (one copy, no buffer of the whole encoding, no second pass). Either end of a range may
 * cut an int; such an int is assembled in a few bytes aside.
 *
 * <p>Stateless; thread safe ({@link Body}: one thread at a time).
 */
final class IntRanges {
    private IntRanges() {
    }

    /**
     * Writes bytes {@code [from, from + target.remaining())} of {@code header} followed by
     * {@code data[offset, offset + count)} (little-endian) at {@code target}'s position, which is left as it was.
     *
     * @throws IllegalArgumentException when the range is not within the encoding
     */
    static void encodeRange(byte[] header, int[] data, int offset, int count, long from, ByteBuffer target) {
        long total = header.length + 4L * count;
        long end = from + target.remaining();
        if (from < 0 || end > total) {
            throw new IllegalArgumentException("bytes " + from + " to " + end + " are not within the " + total
                + "-byte encoding of " + count + " ints after a " + header.length + "-byte header");
        }
        int pos = target.position();
        long at = from;
        if (at < header.length && at < end) {
            int k = (int) (Math.min(header.length, end) - at);
            target.put(pos, header, (int) at, k);
            pos += k;
            at += k;
        }
        while (at < end) {
            long body = at - header.length;
            int index = offset + (int) (body >>> 2);
            int within = (int) (body & 3);
            if (within != 0 || end - at < 4) {
                // an int cut by the range's start or end: the part of its little-endian bytes in the range
                int v = data[index];
                int k = (int) Math.min(4 - within, end - at);
                for (int b = 0; b < k; b++) {
                    target.put(pos + b, (byte) (v >>> (8 * (within + b))));
                }
                pos += k;
                at += k;
            } else {
                int ints = (int) ((end - at) >>> 2);
                target.slice(pos, 4 * ints).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().put(data, index, ints);
                pos += 4 * ints;
                at += 4L * ints;
            }
        }
    }

    /**
     * Receives the ints of an encoding, piece by piece, into {@code data} from {@code offset}: whole ints by one
     * bulk copy per piece, an int cut by a piece's end kept aside until its other bytes come.
     */
    static final class Body {
        private final int[] data;
        private final int offset;
        private final int count;
        private int carry;
        private int carried;
        private int done;

        Body(int[] data, int offset, int count) {
            this.data = data;
            this.offset = offset;
            this.count = count;
        }

        /** Ints received whole. */
        int done() {
            return done;
        }

        /**
         * Takes the bytes between {@code source}'s position and limit (the next ones of the body), leaving the
         * position as it was.
         *
         * @throws CodecException when they run past the body's end
         */
        void accept(ByteBuffer source) {
            int pos = source.position();
            int end = source.limit();
            if (((long) done << 2) + carried + (end - pos) > 4L * count) {
                throw new CodecException("malformed int block: more than " + count + " ints");
            }
            if (carried > 0) {
                while (carried < 4 && pos < end) {
                    carry |= (source.get(pos++) & 0xFF) << (8 * carried++);
                }
                if (carried < 4) {
                    return;
                }
                data[offset + done++] = carry;
                carry = 0;
                carried = 0;
            }
            int whole = (end - pos) >>> 2;
            if (whole > 0) {
                source.slice(pos, 4 * whole).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(data, offset + done,
                    whole);
                pos += 4 * whole;
                done += whole;
            }
            while (pos < end) {
                carry |= (source.get(pos++) & 0xFF) << (8 * carried++);
            }
        }
    }
}
