package org.bind.linalg;

import org.bind.Bind;
import org.bind.Scope;

/**
 * The classic tiled product {@code C(i, j) = Σk A(i, k)·B(k, j)}, written as a sequential loop over tiles. Each
 * tile of C is made on the rank that holds it by a chain of products: {@code C(i, j) = A(i, 0)·B(0, j)}, then
 * {@code C(i, j) += A(i, k)·B(k, j)} for {@code k = 1, 2, ...}, each one OpenBLAS {@code dgemm} with
 * {@code beta = 1} that writes the tile in place ({@link TileOps#dgemmAdd}); the runtime brings the rank the tiles of
 * A and B it reads. The order of the floating-point sums is fixed by the program: the result is the same, bit for
 * bit, for any number of workers and ranks.
 *
 * <p>The chain keeps one tile per tile of C alive and moves no more than the products read. (The products used to
 * be separate tiles added along a binary tree: that ran the additions of a tile of C in parallel, but added a
 * memory-bound pass over three tiles per partial product and a partial product's tile of live memory; with as many
 * tiles of C per rank as workers or more, the chains already keep every worker busy.)
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
     * {@code Σ A(i, k)·B(k, j)} over {@code k} in {@code [k0, k1)}, as a new tile on rank {@code owner}: the first
     * product, then the others added to it in place, in the order of {@code k}. Program thread.
     */
    static Tile sumOfProducts(Bind bind, TiledMatrix a, TiledMatrix b, int i, int j, int k0, int k1,
                              int owner) {
        try (Scope s = bind.on(owner)) {
            Tile sum = Tile.of(a.tile());
            TileOps.dgemm(a.tile(i, k0), b.tile(k0, j), sum, a.tile());
            for (int k = k0 + 1; k < k1; k++) {
                TileOps.dgemmAdd(a.tile(i, k), b.tile(k, j), sum, a.tile());
            }
            return sum;
        }
    }
}
