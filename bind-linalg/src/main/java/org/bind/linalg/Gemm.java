package org.bind.linalg;

import org.bind.Bind;
import org.bind.Scope;

/**
 * The classic tiled product {@code C(i, j) = Σk A(i, k)·B(k, j)}, written as a sequential loop over tiles. Every
 * partial product {@code A(i, k)·B(k, j)} is a new tile placed on the rank that holds {@code C(i, j)}; the
 * runtime brings it the tiles of A and B it reads. The partial products of one tile of C are then added along a
 * binary tree of {@link TileOps#accumulate} ops, so additions of different branches run in parallel and the
 * order of the floating-point sums is fixed by the program: the result is the same, bit for bit, for any number
 * of workers and ranks.
 *
 * <p>Ops are submitted branch by branch (both halves of a tree node, then their sum), so a tile of C keeps at
 * most about {@code log2(n / tile) + 1} partial products alive.
 */
public final class Gemm {
    private Gemm() {
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
        RankGrid grid = RankGrid.of(bind.size());
        int count = a.tileCount();
        Tile[] tiles = new Tile[count * count];
        int[] owners = new int[count * count];
        for (int i = 0; i < count; i++) {
            for (int j = 0; j < count; j++) {
                owners[i * count + j] = grid.owner(i, j);
                tiles[i * count + j] = sumOfProducts(bind, a, b, i, j, 0, count, owners[i * count + j]);
            }
        }
        return TiledMatrix.assemble(a.n(), a.tile(), count, tiles, owners);
    }

    /**
     * {@code Σ A(i, k)·B(k, j)} over {@code k} in {@code [k0, k1)}, as a new tile on rank {@code owner}: the
     * products, then a binary tree of additions (the left half of every node is the largest power of two below
     * its width). Program thread.
     */
    static Tile sumOfProducts(Bind bind, TiledMatrix a, TiledMatrix b, int i, int j, int k0, int k1,
                                     int owner) {
        try (Scope s = bind.on(owner)) {
            return reduce(a, b, i, j, k0, k1);
        }
    }

    private static Tile reduce(TiledMatrix a, TiledMatrix b, int i, int j, int k0, int k1) {
        if (k1 - k0 == 1) {
            Tile product = Tile.of(a.tile());
            TileOps.dgemm(a.tile(i, k0), b.tile(k0, j), product, a.tile());
            return product;
        }
        int middle = k0 + Integer.highestOneBit(k1 - k0 - 1);
        Tile left = reduce(a, b, i, j, k0, middle);
        Tile right = reduce(a, b, i, j, middle, k1);
        TileOps.accumulate(left, right);
        right.release();
        return left;
    }
}
