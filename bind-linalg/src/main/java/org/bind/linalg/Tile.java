package org.bind.linalg;

import org.bind.Versioned;
import org.bind.linalg.kernel.TileBuffer;

/**
 * One tile: a versioned {@code t × t} block of doubles in column-major order ({@code (i, j)} at {@code i + j·t}),
 * each version's doubles in a {@link TileBuffer} outside the Java heap ({@link TileType}): OpenBLAS works on them in
 * place, and their memory is freed when the version dies, without waiting for a garbage collection. Its first
 * version is all zeros.
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

    private final int side;

    private Tile(int side) {
        super(TileType.of(side));
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
    TileBuffer data() {
        return (TileBuffer) buffer();
    }

    /**
     * Drops the contents: a new, empty version replaces them, and the old one is freed once the ops submitted so
     * far that read it are done. No op may read the tile afterwards. Program thread.
     */
    void release() {
        replaceLatest(TileType.RELEASED);
    }
}
