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
 *
 * <p><b>Priorities.</b> The critical path runs first among ready ops: each op gets the priority of the panel it
 * leads to, {@code 3·(count - k)} for panel {@code k} (earlier panels first), plus 2 for the {@code potrf} of the
 * panel and 1 for its {@code trsm}s; an update of tile {@code (i, j)} leads to panel {@code j}, so the updates of the
 * next panel come right after the current panel's solves, ahead of the rest of the trailing matrix. Priorities
 * only order what the DAG leaves free: the result is the same with and without them. The system property
 * {@value #PRIORITIES_PROP_NAME} ({@code true} by default) turns them off, for comparison.
 */
public final class Cholesky {
    public static final String PRIORITIES_PROP_NAME = "bind.linalg.cholesky.priorities";
    public static final boolean PRIORITIES_DEFAULT = true;

    private Cholesky() {
    }

    /**
     * The lower Cholesky factor {@code L} of {@code a} ({@code a = L·Lᵀ}) as a new matrix of the same size, tiling
     * and placement, its tiles above the diagonal zero. Program thread; every rank makes the same call. The ops
     * run later: when {@code a} is not positive definite, the next {@code sync()} (or {@code gather()}) throws an
     * {@link org.bind.OpFailedException} caused by a {@link NotPositiveDefiniteException} naming the diagonal tile.
     */
    public static TiledMatrix factor(TiledMatrix a) {
        String priorities = System.getProperty(PRIORITIES_PROP_NAME);
        return factor(a, priorities == null ? PRIORITIES_DEFAULT : Boolean.parseBoolean(priorities));
    }

    /** {@link #factor(TiledMatrix)}, the critical path first when {@code prioritized}, else in the default order. */
    static TiledMatrix factor(TiledMatrix a, boolean prioritized) {
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
        factorTiles(bind, l, prioritized);
        return l;
    }

    /**
     * Factors {@code a} in place, as LAPACK's {@code dpotrf} with {@code 'L'} does: its tiles on and below the
     * diagonal become those of {@code L} ({@code a = L·Lᵀ} before the call; the diagonal tiles zero above their
     * diagonal, as in {@link #factor}); the tiles above the diagonal keep what they held. No copy of {@code a} is made, so this is the
     * call for a matrix that is not needed afterwards (half the memory of {@link #factor}). Program thread; every
     * rank makes the same call; failures as in {@link #factor}.
     */
    public static void factorInPlace(TiledMatrix a) {
        Objects.requireNonNull(a, "a");
        String priorities = System.getProperty(PRIORITIES_PROP_NAME);
        factorTiles(Bind.current(), a, priorities == null ? PRIORITIES_DEFAULT : Boolean.parseBoolean(priorities));
    }

    /** The right-looking loop over tile columns on the lower tiles of {@code l}, in place. */
    private static void factorTiles(Bind bind, TiledMatrix l, boolean prioritized) {
        int count = l.tileCount();
        int t = l.tile();
        for (int k = 0; k < count; k++) {
            try (Scope s = bind.on(l.owner(k, k)); Scope p = priority(bind, prioritized, count, k, 2)) {
                TileOps.potrf(l.tile(k, k), t, l.extent(k), k);
            }
            for (int i = k + 1; i < count; i++) {
                try (Scope s = bind.on(l.owner(i, k)); Scope p = priority(bind, prioritized, count, k, 1)) {
                    TileOps.trsm(l.tile(k, k), l.tile(i, k), t);
                }
            }
            for (int j = k + 1; j < count; j++) {
                try (Scope s = bind.on(l.owner(j, j)); Scope p = priority(bind, prioritized, count, j, 0)) {
                    TileOps.syrk(l.tile(j, k), l.tile(j, j), t);
                }
                for (int i = j + 1; i < count; i++) {
                    try (Scope s = bind.on(l.owner(i, j)); Scope p = priority(bind, prioritized, count, j, 0)) {
                        TileOps.gemmSubtractTransposed(l.tile(i, k), l.tile(j, k), l.tile(i, j), t);
                    }
                }
            }
        }
    }

    /** The priority scope of an op leading to panel {@code panel} with the given step bonus; a no-op scope if off. */
    private static Scope priority(Bind bind, boolean prioritized, int count, int panel, int bonus) {
        return prioritized ? bind.priority(3 * (count - panel) + bonus) : NO_SCOPE;
    }

    private static final Scope NO_SCOPE = () -> {
    };
}
