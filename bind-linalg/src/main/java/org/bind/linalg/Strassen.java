package org.bind.linalg;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

import org.bind.Bind;
import org.bind.Scope;

/**
 * Strassen's product of tiled matrices, written as the textbook recursion over quadrants of tiles: seven
 * products of sums instead of eight products, down to single tiles. The code is sequential; every sum, product
 * and combination is a tile op, so the runtime runs the seven sub-products (and everything else that is
 * independent) in parallel. The sums and products are new versioned {@link Tile}s, released once their last
 * reader is submitted and so freed as soon as that reader is done: memory follows the submission window.
 *
 * <p><b>Steps.</b> With {@code h × h} tiles ({@code h} a power of two) and quadrants {@code A11..A22},
 * {@code B11..B22}:
 * <pre>
 * M1 = (A11 + A22)(B11 + B22)    C11 = M1 + M4 - M5 + M7
 * M2 = (A21 + A22) B11           C12 = M3 + M5
 * M3 = A11 (B12 - B22)           C21 = M2 + M4
 * M4 = A22 (B21 - B11)           C22 = M1 - M2 + M3 + M6
 * M5 = (A11 + A12) B22
 * M6 = (A21 - A11)(B11 + B12)
 * M7 = (A12 - A22)(B21 + B22)
 * </pre>
 * Below the outermost level the ten operand sums are made by two ops per tile position, each reading four input
 * tiles once and writing five sums. At the outermost level, where quadrants are largest, each sum is made just
 * before its product and released after it, so that two sums are alive instead of ten (2n²/4 doubles instead of
 * 10n²/4, for about 12n²/4 more doubles read and written). When the quadrants are single tiles the sums are not
 * made at all: each product op forms its operands while copying them to the BLAS ({@link TileOps#gemmOfSums}).
 * The four quadrants of C are made by one op per position that reads the seven products once and overwrites four
 * of them in place; at the outermost level, one op per tile of C instead, so that each runs where
 * {@link RankGrid} places that tile.
 *
 * <p><b>Other sizes.</b> When the tile count is not a power of two, Strassen's recursion covers the largest
 * power-of-two block of tiles and the classic product ({@link Gemm}) the rest: the top-left block of C adds the
 * classic products over the remaining {@code k} to Strassen's result.
 *
 * <p><b>Ranks.</b> The result's tiles are placed block-cyclically like {@link TiledMatrix#of}. The temporaries of
 * each sub-product are placed on the same grid, rotated by an offset that differs between sibling sub-products,
 * so that the seven products of a level spread over the ranks. The placement never changes what is computed:
 * the result is the same, bit for bit, for any number of workers and ranks.
 */
public final class Strassen {
    private final Bind bind;
    private final RankGrid grid;
    private final int size;
    private final int tile;
    /** The sums of {@link #leanProducts} not yet released. */
    private final Set<TiledMatrix> sums = Collections.newSetFromMap(new IdentityHashMap<>());

    private Strassen(Bind bind, int tile) {
        this.bind = bind;
        this.grid = RankGrid.of(bind.size());
        this.size = bind.size();
        this.tile = tile;
    }

    /**
     * {@code a·b} as a new matrix with the tiles of {@code a}, dealt block-cyclically like {@link TiledMatrix#of}.
     * Program thread; every rank makes the same call.
     *
     * @throws IllegalArgumentException when the sizes or tile sizes of {@code a} and {@code b} differ
     */
    public static TiledMatrix multiply(TiledMatrix a, TiledMatrix b) {
        TiledMatrix.checkCompatible(a, b);
        Bind bind = Bind.current();
        Strassen strassen = new Strassen(bind, a.tile());
        int count = a.tileCount();
        int square = Integer.highestOneBit(count);
        TiledMatrix block = strassen.outer(a.block(0, 0, square), b.block(0, 0, square));
        if (square == count) {
            return block.n() == a.n() ? block : block.resized(a.n());
        }
        Tile[] tiles = new Tile[count * count];
        int[] owners = new int[count * count];
        for (int i = 0; i < count; i++) {
            for (int j = 0; j < count; j++) {
                int owner = strassen.grid.owner(i, j);
                Tile c;
                if (i < square && j < square) {
                    c = block.tile(i, j);
                    Tile rest = Gemm.sumOfProducts(bind, a, b, i, j, square, count, owner);
                    try (Scope s = bind.on(owner)) {
                        TileOps.accumulate(c, rest);
                    }
                    rest.release();
                } else {
                    c = Gemm.sumOfProducts(bind, a, b, i, j, 0, count, owner);
                }
                tiles[i * count + j] = c;
                owners[i * count + j] = owner;
            }
        }
        return TiledMatrix.assemble(a.n(), a.tile(), count, tiles, owners);
    }

    /** The outermost level: like {@link #inner}, with each tile of C made on its block-cyclic owner. */
    private TiledMatrix outer(TiledMatrix a, TiledMatrix b) {
        int h = a.tileCount();
        if (h == 1) {
            return single(a, b, grid.owner(0, 0));
        }
        TiledMatrix[] m = h == 2 ? leafProducts(a, b, 0) : leanProducts(a, b, 0);
        int half = h / 2;
        Tile[] tiles = new Tile[h * h];
        int[] owners = new int[h * h];
        for (int i = 0; i < half; i++) {
            for (int j = 0; j < half; j++) {
                Tile m1 = m[0].tile(i, j);
                Tile m2 = m[1].tile(i, j);
                Tile m3 = m[2].tile(i, j);
                Tile m4 = m[3].tile(i, j);
                Tile m5 = m[4].tile(i, j);
                Tile m6 = m[5].tile(i, j);
                Tile m7 = m[6].tile(i, j);
                Tile c12 = Tile.of(tile);
                Tile c21 = Tile.of(tile);
                // C11 and C22 overwrite M7 and M6, their only readers; C12 and C21 get new tiles, because M5 and
                // M4 are still read by C11.
                try (Scope s = bind.on(grid.owner(i, j))) {
                    TileOps.combine11(m1, m4, m5, m7);
                }
                try (Scope s = bind.on(grid.owner(i, j + half))) {
                    TileOps.combine12(m3, m5, c12);
                }
                try (Scope s = bind.on(grid.owner(i + half, j))) {
                    TileOps.combine21(m2, m4, c21);
                }
                try (Scope s = bind.on(grid.owner(i + half, j + half))) {
                    TileOps.combine22(m1, m2, m3, m6);
                }
                m1.release();
                m2.release();
                m3.release();
                m4.release();
                m5.release();
                put(tiles, owners, h, i, j, m7);
                put(tiles, owners, h, i, j + half, c12);
                put(tiles, owners, h, i + half, j, c21);
                put(tiles, owners, h, i + half, j + half, m6);
            }
        }
        return TiledMatrix.assemble(h * tile, tile, h, tiles, owners);
    }

    private void put(Tile[] tiles, int[] owners, int h, int i, int j, Tile c) {
        tiles[i * h + j] = c;
        owners[i * h + j] = grid.owner(i, j);
    }

    /** A sub-product of {@code h × h} tiles, its temporaries placed on the grid rotated by {@code offset}. */
    private TiledMatrix inner(TiledMatrix a, TiledMatrix b, int offset) {
        int h = a.tileCount();
        if (h == 1) {
            return single(a, b, offset % size);
        }
        TiledMatrix[] m = products(a, b, offset);
        int half = h / 2;
        Tile[] tiles = new Tile[h * h];
        int[] owners = new int[h * h];
        for (int i = 0; i < half; i++) {
            for (int j = 0; j < half; j++) {
                int owner = place(i, j, offset);
                Tile m4 = m[3].tile(i, j);
                Tile m5 = m[4].tile(i, j);
                Tile m6 = m[5].tile(i, j);
                Tile m7 = m[6].tile(i, j);
                try (Scope s = bind.on(owner)) {
                    TileOps.combine(m[0].tile(i, j), m[1].tile(i, j), m[2].tile(i, j), m4, m5, m6, m7);
                }
                m[0].tile(i, j).release();
                m[1].tile(i, j).release();
                m[2].tile(i, j).release();
                tiles[i * h + j] = m7;
                tiles[i * h + j + half] = m5;
                tiles[(i + half) * h + j] = m4;
                tiles[(i + half) * h + j + half] = m6;
                owners[i * h + j] = owner;
                owners[i * h + j + half] = owner;
                owners[(i + half) * h + j] = owner;
                owners[(i + half) * h + j + half] = owner;
            }
        }
        return TiledMatrix.assemble(h * tile, tile, h, tiles, owners);
    }

    private TiledMatrix single(TiledMatrix a, TiledMatrix b, int owner) {
        Tile c = Tile.of(tile);
        try (Scope s = bind.on(owner)) {
            TileOps.dgemm(a.tile(0, 0), b.tile(0, 0), c, tile);
        }
        return TiledMatrix.assemble(tile, tile, 1, new Tile[] {c}, new int[] {owner});
    }

    /** Strassen's seven products M1..M7 of {@code a} and {@code b} ({@code h ≥ 2} tiles, a power of two). */
    private TiledMatrix[] products(TiledMatrix a, TiledMatrix b, int offset) {
        int h = a.tileCount();
        if (h == 2) {
            return leafProducts(a, b, offset);
        }
        int half = h / 2;
        TiledMatrix a11 = a.block(0, 0, half);
        TiledMatrix a12 = a.block(0, half, half);
        TiledMatrix a21 = a.block(half, 0, half);
        TiledMatrix a22 = a.block(half, half, half);
        TiledMatrix b11 = b.block(0, 0, half);
        TiledMatrix b12 = b.block(0, half, half);
        TiledMatrix b21 = b.block(half, 0, half);
        TiledMatrix b22 = b.block(half, half, half);
        TiledMatrix s1 = temporary(half, offset);
        TiledMatrix s2 = temporary(half, offset);
        TiledMatrix s5 = temporary(half, offset);
        TiledMatrix s6 = temporary(half, offset);
        TiledMatrix s7 = temporary(half, offset);
        TiledMatrix t1 = temporary(half, offset);
        TiledMatrix t3 = temporary(half, offset);
        TiledMatrix t4 = temporary(half, offset);
        TiledMatrix t6 = temporary(half, offset);
        TiledMatrix t7 = temporary(half, offset);
        for (int i = 0; i < half; i++) {
            for (int j = 0; j < half; j++) {
                try (Scope s = bind.on(place(i, j, offset))) {
                    TileOps.leftSums(a11.tile(i, j), a12.tile(i, j), a21.tile(i, j), a22.tile(i, j),
                        s1.tile(i, j), s2.tile(i, j), s5.tile(i, j), s6.tile(i, j), s7.tile(i, j));
                    TileOps.rightSums(b11.tile(i, j), b12.tile(i, j), b21.tile(i, j), b22.tile(i, j),
                        t1.tile(i, j), t3.tile(i, j), t4.tile(i, j), t6.tile(i, j), t7.tile(i, j));
                }
            }
        }
        TiledMatrix[] m = {
            inner(s1, t1, child(offset, 0)),
            inner(s2, b11, child(offset, 1)),
            inner(a11, t3, child(offset, 2)),
            inner(a22, t4, child(offset, 3)),
            inner(s5, b22, child(offset, 4)),
            inner(s6, t6, child(offset, 5)),
            inner(s7, t7, child(offset, 6)),
        };
        for (TiledMatrix sums : new TiledMatrix[] {s1, s2, s5, s6, s7, t1, t3, t4, t6, t7}) {
            sums.release(); // every reader is submitted
        }
        return m;
    }

    /**
     * Strassen's seven products like {@link #products}, with each operand sum made just before its product (one
     * {@link TileOps#add} or {@link TileOps#sub} op per tile) and released after it: at the outermost level, where
     * quadrants are largest, this keeps two sums alive instead of ten, for a few more passes over memory.
     */
    private TiledMatrix[] leanProducts(TiledMatrix a, TiledMatrix b, int offset) {
        int half = a.tileCount() / 2;
        TiledMatrix a11 = a.block(0, 0, half);
        TiledMatrix a12 = a.block(0, half, half);
        TiledMatrix a21 = a.block(half, 0, half);
        TiledMatrix a22 = a.block(half, half, half);
        TiledMatrix b11 = b.block(0, 0, half);
        TiledMatrix b12 = b.block(0, half, half);
        TiledMatrix b21 = b.block(half, 0, half);
        TiledMatrix b22 = b.block(half, half, half);
        return new TiledMatrix[] {
            product(sum(a11, a22, 1, offset), sum(b11, b22, 1, offset), child(offset, 0)),
            product(sum(a21, a22, 1, offset), b11, child(offset, 1)),
            product(a11, sum(b12, b22, -1, offset), child(offset, 2)),
            product(a22, sum(b21, b11, -1, offset), child(offset, 3)),
            product(sum(a11, a12, 1, offset), b22, child(offset, 4)),
            product(sum(a21, a11, -1, offset), sum(b11, b12, 1, offset), child(offset, 5)),
            product(sum(a12, a22, -1, offset), sum(b21, b22, 1, offset), child(offset, 6)),
        };
    }

    /** {@code x + sign·y} as a new temporary placed like the others of this offset. */
    private TiledMatrix sum(TiledMatrix x, TiledMatrix y, int sign, int offset) {
        int h = x.tileCount();
        TiledMatrix s = temporary(h, offset);
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < h; j++) {
                try (Scope scope = bind.on(place(i, j, offset))) {
                    if (sign > 0) {
                        TileOps.add(x.tile(i, j), y.tile(i, j), s.tile(i, j));
                    } else {
                        TileOps.sub(x.tile(i, j), y.tile(i, j), s.tile(i, j));
                    }
                }
            }
        }
        sums.add(s);
        return s;
    }

    /** {@link #inner}{@code (x, y)}, releasing whichever operand is a temporary sum once its readers are submitted. */
    private TiledMatrix product(TiledMatrix x, TiledMatrix y, int offset) {
        TiledMatrix m = inner(x, y, offset);
        for (TiledMatrix operand : new TiledMatrix[] {x, y}) {
            if (sums.remove(operand)) {
                operand.release();
            }
        }
        return m;
    }

    /** The seven products of 2 × 2 tiles: one op each, forming the operand sums as it copies them to the BLAS. */
    private TiledMatrix[] leafProducts(TiledMatrix a, TiledMatrix b, int offset) {
        Tile a11 = a.tile(0, 0);
        Tile a12 = a.tile(0, 1);
        Tile a21 = a.tile(1, 0);
        Tile a22 = a.tile(1, 1);
        Tile b11 = b.tile(0, 0);
        Tile b12 = b.tile(0, 1);
        Tile b21 = b.tile(1, 0);
        Tile b22 = b.tile(1, 1);
        return new TiledMatrix[] {
            leafProduct(a11, a22, 1, b11, b22, 1, child(offset, 0)),
            leafProduct(a21, a22, 1, b11, null, 0, child(offset, 1)),
            leafProduct(a11, null, 0, b12, b22, -1, child(offset, 2)),
            leafProduct(a22, null, 0, b21, b11, -1, child(offset, 3)),
            leafProduct(a11, a12, 1, b22, null, 0, child(offset, 4)),
            leafProduct(a21, a11, -1, b11, b12, 1, child(offset, 5)),
            leafProduct(a12, a22, -1, b21, b22, 1, child(offset, 6)),
        };
    }

    private TiledMatrix leafProduct(Tile a0, Tile a1, double aSign, Tile b0, Tile b1,
                                    double bSign, int owner) {
        Tile m = Tile.of(tile);
        try (Scope s = bind.on(owner)) {
            TileOps.gemmOfSums(a0, a1 == null ? a0 : a1, aSign, a1 != null, b0, b1 == null ? b0 : b1, bSign,
                b1 != null, m, tile);
        }
        return TiledMatrix.assemble(tile, tile, 1, new Tile[] {m}, new int[] {owner});
    }

    private TiledMatrix temporary(int h, int offset) {
        return TiledMatrix.create(h * tile, tile, (i, j) -> place(i, j, offset));
    }

    /** Where the temporaries at position {@code (i, j)} of a sub-product with this offset live. */
    private int place(int i, int j, int offset) {
        return (grid.owner(i, j) + offset) % size;
    }

    /** The offset of sub-product {@code index} (0 to 6) of a sub-product with offset {@code offset}. */
    private int child(int offset, int index) {
        return (offset + index) % size;
    }
}
