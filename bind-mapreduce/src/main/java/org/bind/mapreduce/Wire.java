package org.bind.mapreduce;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

import org.bind.codec.CodecException;

/**
 * The compact binary encoding of shuffled pairs: little-endian fixed-size numbers, unsigned LEB128 varints for
 * lengths and counts, written to a growing byte array ({@link Out}) and read back with every length checked
 * against the bytes left ({@link In}), so malformed input fails with a {@link CodecException} before any
 * allocation it announces.
 */
final class Wire {
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private Wire() {
    }

    /** A growing byte array. Single thread. */
    static final class Out {
        private byte[] bytes;
        private int size;

        Out(int capacity) {
            bytes = new byte[Math.max(16, capacity)];
        }

        int size() {
            return size;
        }

        byte[] array() {
            return bytes;
        }

        /** Makes room for {@code more} bytes; returns the position to write them at. */
        int reserve(int more) {
            int at = size;
            long needed = (long) at + more;
            if (needed > bytes.length) {
                if (needed > Integer.MAX_VALUE - 64) {
                    throw new CodecException("encoded pairs exceed 2 GiB in one block; use more ranks or workers");
                }
                long grown = Math.min(Integer.MAX_VALUE - 64, Math.max(needed, 2L * bytes.length));
                bytes = Arrays.copyOf(bytes, (int) grown);
            }
            size = (int) needed;
            return at;
        }

        // reserve first: it may replace the array (in "bytes[reserve(1)]" Java would read the old one)
        void putByte(int v) {
            int at = reserve(1);
            bytes[at] = (byte) v;
        }

        void putInt(int v) {
            int at = reserve(4);
            INT.set(bytes, at, v);
        }

        void putIntAt(int position, int v) {
            INT.set(bytes, position, v);
        }

        void putLong(long v) {
            int at = reserve(8);
            LONG.set(bytes, at, v);
        }

        void putVarInt(int v) {
            while ((v & ~0x7F) != 0) {
                putByte((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            putByte(v);
        }

        /**
         * Writes {@code s} as its UTF-8 length (varint) and bytes: an ASCII string straight from its chars, without
         * an intermediate array.
         */
        void putString(String s) {
            int n = s.length();
            for (int i = 0; i < n; i++) {
                if (s.charAt(i) >= 0x80) {
                    byte[] utf8 = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    putVarInt(utf8.length);
                    putBytes(utf8, 0, utf8.length);
                    return;
                }
            }
            putVarInt(n);
            int at = reserve(n);
            for (int i = 0; i < n; i++) {
                bytes[at + i] = (byte) s.charAt(i);
            }
        }

        void putBytes(byte[] from, int offset, int length) {
            int at = reserve(length);
            System.arraycopy(from, offset, bytes, at, length);
        }

        byte[] toArray() {
            return Arrays.copyOf(bytes, size);
        }
    }

    /** Reads {@code bytes[position, limit)}. Single thread. */
    static final class In {
        private final byte[] bytes;
        private int position;
        private final int limit;

        In(byte[] bytes, int position, int limit) {
            if (position < 0 || limit > bytes.length || position > limit) {
                throw new CodecException("malformed pairs: range [" + position + ", " + limit + ") of " + bytes.length
                    + " bytes");
            }
            this.bytes = bytes;
            this.position = position;
            this.limit = limit;
        }

        byte[] array() {
            return bytes;
        }

        int position() {
            return position;
        }

        int remaining() {
            return limit - position;
        }

        /** Moves past {@code n} bytes; returns where they start. */
        int skip(int n) {
            if (n < 0 || n > limit - position) {
                throw new CodecException("malformed pairs: " + n + " bytes announced, " + (limit - position) + " left");
            }
            int at = position;
            position += n;
            return at;
        }

        int getByte() {
            return bytes[skip(1)];
        }

        int getInt() {
            return (int) INT.get(bytes, skip(4));
        }

        long getLong() {
            return (long) LONG.get(bytes, skip(8));
        }

        int getVarInt() {
            int value = 0;
            for (int shift = 0; shift < 35; shift += 7) {
                int b = getByte();
                value |= (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    if (value < 0) {
                        break;
                    }
                    return value;
                }
            }
            throw new CodecException("malformed pairs: bad length or count varint");
        }

        /** A length or count of items of at least {@code bytesEach} bytes, checked against the bytes left. */
        int getCount(int bytesEach) {
            int count = getVarInt();
            if ((long) count * Math.max(1, bytesEach) > limit - position) {
                throw new CodecException("malformed pairs: " + count + " items announced, " + (limit - position)
                    + " bytes left");
            }
            return count;
        }

        boolean atEnd() {
            return position == limit;
        }
    }

    static int getInt(byte[] bytes, int at) {
        return (int) INT.get(bytes, at);
    }

    static long getLong(byte[] bytes, int at) {
        return (long) LONG.get(bytes, at);
    }

    static void putInt(byte[] bytes, int at, int v) {
        INT.set(bytes, at, v);
    }
}
