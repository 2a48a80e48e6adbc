package org.bind.linalg;

/**
 * Thrown by the op that factors a diagonal tile in {@link Cholesky#factor} when the matrix is not positive
 * definite; {@code sync()} (or {@code gather()}) then fails with an {@link org.bind.OpFailedException} carrying it,
 * on every rank (on ranks other than the one that factored the tile, as a {@link org.bind.RemoteOpException} with
 * this message). The message names the tile and LAPACK's {@code dpotrf} info.
 */
public final class NotPositiveDefiniteException extends ArithmeticException {
    private static final long serialVersionUID = 1L;

    private final int tileIndex;
    private final int info;
    private final int minorOrder;

    /**
     * @param tileIndex the diagonal tile {@code (k, k)} that failed
     * @param info      dpotrf's info on that tile: the order of its leading minor that is not positive definite
     * @param tile      the tile side
     */
    public NotPositiveDefiniteException(int tileIndex, int info, int tile) {
        super("matrix not positive definite: dpotrf of diagonal tile (" + tileIndex + ", " + tileIndex
            + ") returned info = " + info + ", so the leading minor of order " + ((long) tileIndex * tile + info)
            + " of the matrix is not positive definite");
        this.tileIndex = tileIndex;
        this.info = info;
        this.minorOrder = tileIndex * tile + info;
    }

    /** {@code k} of the diagonal tile {@code (k, k)} whose factorization failed. */
    public int tileIndex() {
        return tileIndex;
    }

    /** dpotrf's info on the tile (1-based column inside the tile). */
    public int info() {
        return info;
    }

    /** The order of the matrix's leading minor found not positive definite. */
    public int minorOrder() {
        return minorOrder;
    }
}
