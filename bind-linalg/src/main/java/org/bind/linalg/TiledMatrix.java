package org.bind.linalg;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.IntBinaryOperator;

import org.bind.Bind;
import org.bind.DoubleArray;
import org.bind.Scope;

/**
 * An {@code n × n} matrix of doubles cut into square tiles of {@code tile × tile}, each a versioned tile in
 * column-major order, spread over the ranks. When {@code tile} does not divide {@code n}, the last tile row and
 * column are ragged: their tiles are stored whole and padded with zeros, which every product keeps zero (a
 * product of zero-padded matrices is the zero-padded product). {@link #of} and {@link #zeros} deal the tiles
 * block-cyclically over a near-square {@link RankGrid}, and {@link #owner} says where each tile lives.
 *
 * <pre>{@code
 * try (Bind bind = Bind.init(args)) {
 *     TiledMatrix a = TiledMatrix.of(aValues, n, 512);   // every rank passes the same values
 *     TiledMatrix b = TiledMatrix.of(bValues, n, 512);
 *     double[] c = Strassen.multiply(a, b).gather();     // the product, row-major, on every rank
 * }
 * }</pre>
 *
 * <p>The program thread of an initialised {@link Bind} creates matrices and calls {@link #gather}; the tiles are
 * then written and read by ops, on the workers of the ranks that hold them.
 */
public final class TiledMatrix {
    /** Largest side: the row-major array of {@link #of} and {@link #gather} must fit in one Java array. */
    public static final int N_MAX = 46_340;

    private final int n;
    private final int tile;
    private final int count;
    private final Tile[] tiles;
    private final int[] owners;

    private TiledMatrix(int n, int tile, int count, Tile[] tiles, int[] owners) {
        this.n = n;
        this.tile = tile;
        this.count = count;
        this.tiles = tiles;
        this.owners = owners;
    }

    /**
     * The matrix {@code rowMajor} ({@code n × n}, element {@code (i, j)} at {@code i·n + j}), cut into tiles of
     * {@code tile × tile} (the last row and column of tiles padded with zeros when {@code tile} does not divide
     * {@code n}). Every rank passes the same values; each rank copies out only the tiles it holds, in ops placed
     * there. Program thread.
     *
     * @throws IllegalArgumentException when {@code n} or {@code tile} is out of range, or the array does not hold
     *                                  {@code n²} values
     */
    public static TiledMatrix of(double[] rowMajor, int n, int tile) {
        Objects.requireNonNull(rowMajor, "rowMajor");
        checkShape(n, tile);
        if (rowMajor.length != n * n) {
            throw new IllegalArgumentException("rowMajor has " + rowMajor.length + " values; an " + n + " x " + n
                + " matrix needs " + n * n);
        }
        Bind bind = Bind.current();
        TiledMatrix matrix = blockCyclic(n, tile, bind);
        double[] none = new double[0];
        for (int ti = 0; ti < matrix.count; ti++) {
            for (int tj = 0; tj < matrix.count; tj++) {
                int owner = matrix.owner(ti, tj);
                double[] values = owner == bind.rank() ? columnMajorTile(rowMajor, n, tile, ti, tj) : none;
                try (Scope s = bind.on(owner)) {
                    TileOps.load(matrix.tile(ti, tj), values);
                }
            }
        }
        return matrix;
    }

    /** An {@code n × n} matrix of zeros in tiles of {@code tile × tile} (ragged as in {@link #of}). Program thread. */
    public static TiledMatrix zeros(int n, int tile) {
        checkShape(n, tile);
        return blockCyclic(n, tile, Bind.current());
    }

    private static TiledMatrix blockCyclic(int n, int tile, Bind bind) {
        RankGrid grid = RankGrid.of(bind.size());
        return create(n, tile, grid::owner);
    }

    private static void checkShape(int n, int tile) {
        if (n < 1 || n > N_MAX) {
            throw new IllegalArgumentException("matrix size n = " + n + " out of range [1, " + N_MAX + "]");
        }
        if (tile < 1 || tile > n) {
            throw new IllegalArgumentException("tile size " + tile + " out of range [1, n = " + n + "]");
        }
    }

    private static double[] columnMajorTile(double[] rowMajor, int n, int tile, int ti, int tj) {
        double[] values = new double[tile * tile];
        int row0 = ti * tile;
        int col0 = tj * tile;
        int rows = Math.min(tile, n - row0);
        int cols = Math.min(tile, n - col0);
        for (int i = 0; i < rows; i++) {
            int from = (row0 + i) * n + col0;
            for (int j = 0; j < cols; j++) {
                values[j * tile + i] = rowMajor[from + j];
            }
        }
        return values;
    }

    /** Tiles per side of an {@code n × n} matrix in tiles of {@code tile}: {@code ⌈n / tile⌉}. */
    static int tileCount(int n, int tile) {
        return (n + tile - 1) / tile;
    }

    /**
     * A new {@code n × n} matrix of zero tiles of {@code tile × tile}, tile {@code (ti, tj)} on rank
     * {@code ownerOf(ti, tj)}.
     */
    static TiledMatrix create(int n, int tile, IntBinaryOperator ownerOf) {
        int count = tileCount(n, tile);
        Tile[] tiles = new Tile[count * count];
        int[] owners = new int[count * count];
        for (int ti = 0; ti < count; ti++) {
            for (int tj = 0; tj < count; tj++) {
                tiles[ti * count + tj] = Tile.of(tile);
                owners[ti * count + tj] = ownerOf.applyAsInt(ti, tj);
            }
        }
        return new TiledMatrix(n, tile, count, tiles, owners);
    }

    /** An {@code n × n} matrix of existing tiles ({@code count × count}, row by row) and the ranks holding them. */
    static TiledMatrix assemble(int n, int tile, int count, Tile[] tiles, int[] owners) {
        return new TiledMatrix(n, tile, count, tiles.clone(), owners.clone());
    }

    /** Rows (and columns). */
    public int n() {
        return n;
    }

    /**
     * Rows (and columns) of tile row (and column) {@code ti} inside the matrix: {@code tile}, or fewer for the last
     * one when it is ragged.
     */
    public int extent(int ti) {
        return Math.min(tile, n - ti * tile);
    }

    /** Rows (and columns) of one tile. */
    public int tile() {
        return tile;
    }

    /** Tiles per row (and per column): {@code ⌈n / tile⌉}. */
    public int tileCount() {
        return count;
    }

    /** The rank holding tile {@code (ti, tj)}. */
    public int owner(int ti, int tj) {
        checkTile(ti, tj);
        return owners[ti * count + tj];
    }

    /** Tile {@code (ti, tj)}. */
    Tile tile(int ti, int tj) {
        checkTile(ti, tj);
        return tiles[ti * count + tj];
    }

    private void checkTile(int ti, int tj) {
        if (ti < 0 || ti >= count || tj < 0 || tj >= count) {
            throw new IndexOutOfBoundsException("tile (" + ti + ", " + tj + ") out of range [0, " + count
                + ") of a matrix of " + count + " x " + count + " tiles");
        }
    }

    /** Releases every tile ({@link Tile#release}): a temporary whose last reader is submitted. Program thread. */
    void release() {
        for (Tile t : tiles) {
            t.release();
        }
    }

    /**
     * The square block of {@code size × size} tiles from tile {@code (ti0, tj0)}: a view sharing its tiles, of side
     * {@code size · tile} (ragged tiles included whole, with their zero padding).
     */
    TiledMatrix block(int ti0, int tj0, int size) {
        if (ti0 < 0 || tj0 < 0 || size < 1 || ti0 + size > count || tj0 + size > count) {
            throw new IndexOutOfBoundsException("block of " + size + " x " + size + " tiles at (" + ti0 + ", " + tj0
                + ") outside a matrix of " + count + " x " + count + " tiles");
        }
        Tile[] sub = new Tile[size * size];
        int[] subOwners = new int[size * size];
        for (int i = 0; i < size; i++) {
            for (int j = 0; j < size; j++) {
                sub[i * size + j] = tiles[(ti0 + i) * count + tj0 + j];
                subOwners[i * size + j] = owners[(ti0 + i) * count + tj0 + j];
            }
        }
        return new TiledMatrix(size * tile, tile, size, sub, subOwners);
    }

    /**
     * The whole matrix, row-major, on every rank. Collective: every rank calls it (it syncs), and every tile is
     * sent to every rank. Program thread.
     */
    public double[] gather() {
        Bind bind = Bind.current();
        double[] rowMajor = new double[n * n];
        for (int ti = 0; ti < count; ti++) {
            for (int tj = 0; tj < count; tj++) {
                TileOps.store(tile(ti, tj), rowMajor, n, tile, ti * tile, tj * tile); // on every rank
            }
        }
        bind.sync();
        return rowMajor;
    }

    /**
     * The entries {@code (rows[i], cols[i])}, on every rank: for checking a large product against a reference
     * computed on a sample. Collective (it syncs); only the sampled values travel, from each tile's owner to
     * every rank. Program thread.
     *
     * @throws IllegalArgumentException when the arrays differ in length or an index is outside {@code [0, n)}
     */
    public double[] gatherEntries(int[] rows, int[] cols) {
        Objects.requireNonNull(rows, "rows");
        Objects.requireNonNull(cols, "cols");
        if (rows.length != cols.length) {
            throw new IllegalArgumentException(rows.length + " rows and " + cols.length + " cols: one of each per"
                + " entry");
        }
        Map<Integer, List<Integer>> byTile = new TreeMap<>();
        for (int e = 0; e < rows.length; e++) {
            if (rows[e] < 0 || rows[e] >= n || cols[e] < 0 || cols[e] >= n) {
                throw new IllegalArgumentException("entry (" + rows[e] + ", " + cols[e] + ") outside an " + n + " x "
                    + n + " matrix");
            }
            byTile.computeIfAbsent(rows[e] / tile * count + cols[e] / tile, k -> new ArrayList<>()).add(e);
        }
        Bind bind = Bind.current();
        double[] values = new double[rows.length];
        for (var entry : byTile.entrySet()) {
            int ti = entry.getKey() / count;
            int tj = entry.getKey() % count;
            int[] which = entry.getValue().stream().mapToInt(Integer::intValue).toArray();
            int[] offsets = new int[which.length];
            for (int k = 0; k < which.length; k++) {
                offsets[k] = (cols[which[k]] - tj * tile) * tile + rows[which[k]] - ti * tile;
            }
            DoubleArray picked = DoubleArray.of(which.length);
            try (Scope s = bind.on(owner(ti, tj))) {
                TileOps.pick(tile(ti, tj), offsets, picked);
            }
            TileOps.scatter(picked, which, values); // on every rank
        }
        bind.sync();
        return values;
    }

    /** The same tiles as a matrix of side {@code n}: a view, for a block whose last tiles are ragged. */
    TiledMatrix resized(int newN) {
        if (tileCount(newN, tile) != count) {
            throw new IllegalArgumentException("side " + newN + " needs " + tileCount(newN, tile) + " tiles of "
                + tile + ", not " + count);
        }
        return new TiledMatrix(newN, tile, count, tiles, owners);
    }

    /** Checks that {@code a} and {@code b} can be multiplied as tiled matrices. */
    static void checkCompatible(TiledMatrix a, TiledMatrix b) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        if (a.n() != b.n() || a.tile != b.tile) {
            throw new IllegalArgumentException("a is " + a.n() + " x " + a.n() + " in tiles of " + a.tile + ", b is "
                + b.n() + " x " + b.n() + " in tiles of " + b.tile + ": sizes and tiles must match");
        }
    }

    @Override
    public String toString() {
        return "TiledMatrix " + n() + " x " + n() + " in " + count + " x " + count + " tiles of " + tile;
    }
}
