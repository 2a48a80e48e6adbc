package org.bind.linalg;

import java.util.Objects;

import org.bind.Bind;
import org.bind.Scope;

/**
 * The tiled Cholesky factorization {@code A = L·Lᵀ} of a symmetric positive definite matrix, written as the
 * sequential right-looking loop over tiles of LAPACK's blocked {@code dpotrf} (as in PLASMA and Chameleon): for each
 * tile column {@code k},
 * <pre>
 * L(k, k) = potrf(L(k, k))                                  factor the diagonal tile
 * L(i, k) = L(i, k)·L(k, k)⁻ᵀ                for i > k       trsm: the panel below it
 * L(i, i) = L(i, i) - L(i, k)·L(i, k)ᵀ       for i > k       syrk: the trailing diagonal tiles
 * L(i, j) = L(i, j) - L(i, k)·L(j, k)ᵀ       for i > j > k   gemm: the trailing tiles below them
 * </pre>
 * on a copy of the lower tiles of {@code A}. Each line is one op per tile, placed on the rank that holds the tile it
 * writes (the tiles of {@code A}'s block-cyclic deal); the runtime brings it the panel tiles it reads, and runs the
 * updates of panel {@code k + 1} as soon as their inputs are ready, overlapping the rest of panel {@code k}'s
 * trailing update (the lookahead that LAPACK codes by hand falls out of the dataflow).
 *
 * <p>Only the lower triangle of {@code A} is read (as LAPACK's {@code dpotrf} with {@code 'L'}). The work is
 * {@code n³/3} flops; tile kernels are {@link org.bind.linalg.kernel.Kernels#active()}: OpenBLAS's
 * {@code dpotrf}, {@code dtrsm}, {@code dsyrk} and {@code dgemm} on one thread each, or the pure-Java fallback.
 * A ragged last tile is factored on its leading block only (its zero padding stays zero).
 */
public final class Cholesky {
    private Cholesky() {
    }

    /**
     * The lower Cholesky factor {@code L} of {@code a} ({@code a = L·Lᵀ}) as a new matrix of the same size, tiling
     * and placement, its tiles above the diagonal zero. Program thread; every rank makes the same call. The ops
     * run later: when {@code a} is not positive definite, the next {@code sync()} (or {@code gather()}) throws an
     * {@link org.bind.OpFailedException} caused by a {@link NotPositiveDefiniteException} naming the diagonal tile.
     */
    public static TiledMatrix factor(TiledMatrix a) {
        Objects.requireNonNull(a, "a");
        Bind bind = Bind.current();
        int count = a.tileCount();
        int t = a.tile();
        Tile[] tiles = new Tile[count * count];
        int[] owners = new int[count * count];
        for (int i = 0; i < count; i++) {
            for (int j = 0; j < count; j++) {
                tiles[i * count + j] = Tile.of(t);
                owners[i * count + j] = a.owner(i, j);
                if (i >= j) {
                    try (Scope s = bind.on(owners[i * count + j])) {
                        TileOps.copy(a.tile(i, j), tiles[i * count + j]);
                    }
                }
            }
        }
        TiledMatrix l = TiledMatrix.assemble(a.n(), t, count, tiles, owners);
        for (int k = 0; k < count; k++) {
            try (Scope s = bind.on(l.owner(k, k))) {
                TileOps.potrf(l.tile(k, k), t, a.extent(k), k);
            }
            for (int i = k + 1; i < count; i++) {
                try (Scope s = bind.on(l.owner(i, k))) {
                    TileOps.trsm(l.tile(k, k), l.tile(i, k), t);
                }
            }
            for (int j = k + 1; j < count; j++) {
                try (Scope s = bind.on(l.owner(j, j))) {
                    TileOps.syrk(l.tile(j, k), l.tile(j, j), t);
                }
                for (int i = j + 1; i < count; i++) {
                    try (Scope s = bind.on(l.owner(i, j))) {
                        TileOps.gemmSubtractTransposed(l.tile(i, k), l.tile(j, k), l.tile(i, j), t);
                    }
                }
            }
        }
        return l;
    }
}
