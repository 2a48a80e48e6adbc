package org.bind.linalg;

import org.bind.Versioned;
import org.bind.codec.Codec;
import org.bind.codec.Codecs;
import org.bind.version.BufferType;

/**
 * One tile: a versioned {@code t × t} block of doubles in column-major order ({@code (i, j)} at {@code i + j·t}).
 * Its first version is all zeros.
 *
 * <p>Two things set it apart from a {@link org.bind.DoubleArray}, both for the large temporaries of the matrix
 * products:
 * <ul>
 *   <li>{@link #release()} drops the contents as soon as the ops already submitted are done with them, instead of
 *       when the garbage collector notices that the program dropped the tile: the program calls it after
 *       submitting a temporary's last reader, so the live bytes follow the task graph;</li>
 *   <li>a recycled buffer handed to an op that writes the tile ({@code @Out}) keeps its old contents: every tile
 *       op writes each element of its {@code @Out} tiles, which spares a pass that would clear it first.</li>
 * </ul>
 *
 * <p>Created, and released, by the program thread; {@link #data()} inside tile ops.
 */
final class Tile extends Versioned {
    /** The contents of a released tile. */
    private static final double[] RELEASED = new double[0];

    private final int side;

    private Tile(int side) {
        super(new TileType(side * side));
        this.side = side;
    }

    /** A new tile of {@code side × side} zeros. */
    static Tile of(int side) {
        return new Tile(side);
    }

    int side() {
        return side;
    }

    /** The elements of the version bound to the running op. */
    double[] data() {
        return (double[]) buffer();
    }

    /**
     * Drops the contents: a new, empty version replaces them, and the old one is freed once the ops submitted so
     * far that read it are done. No op may read the tile afterwards. Program thread.
     */
    void release() {
        replaceLatest(RELEASED);
    }

    /** Equal for buffers of one length: the worker pools recycle tiles of one size into each other. */
    private record PoolKey(int length) {
    }

    /** Buffers of {@code length} doubles; {@link #reset} keeps the contents (see the class comment). */
    private static final class TileType implements BufferType<double[]> {
        private static final Codec<double[]> CODEC = Codecs.of(double[].class);
        private final int length;
        private final PoolKey key;

        TileType(int length) {
            this.length = length;
            this.key = new PoolKey(length);
        }

        @Override
        public double[] allocate() {
            return new double[length];
        }

        @Override
        public double[] copy(double[] source, double[] target) {
            double[] into = target != null && target.length == source.length ? target : new double[source.length];
            System.arraycopy(source, 0, into, 0, source.length);
            return into;
        }

        @Override
        public double[] reset(double[] buffer) {
            return buffer.length == length ? buffer : allocate();
        }

        @Override
        public long bytes(double[] buffer) {
            return 16L + (long) buffer.length * Double.BYTES;
        }

        @Override
        public long reservedBytes() {
            return 16L + (long) length * Double.BYTES;
        }

        @Override
        public Codec<double[]> codec() {
            return CODEC;
        }

        @Override
        public Object poolKey() {
            return key;
        }
    }
}
