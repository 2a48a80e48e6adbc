package org.bind.linalg.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * OpenBLAS through JavaCPP's presets ({@code org.bytedeco:openblas}): the BLAS-only bindings for the products, and
 * the bindings with LAPACK (class {@code openblas}, library {@code jniopenblas}, over the same
 * {@code libopenblas}) for {@code LAPACKE_dpotrf}. Loading this class loads both native libraries (JavaCPP
 * extracts them to {@code ~/.javacpp/cache}) and sets OpenBLAS to one thread: Bind runs one tile kernel per
 * worker, so the workers are the parallelism. The thread count is process-wide; a program that also calls
 * OpenBLAS on whole matrices (a baseline) sets it around those calls with {@link #threads(int)} while no Bind op
 * runs.
 *
 * <p>Loading fails with a {@link LinkageError} where the library or its jars are missing; {@link Kernels} then
 * falls back to the pure-Java kernels. Any thread.
 */
public final class OpenBlas {
    private static final int ROW_MAJOR = openblas_nolapack.CblasRowMajor;
    private static final int COL_MAJOR = openblas_nolapack.CblasColMajor;
    private static final int NO_TRANS = openblas_nolapack.CblasNoTrans;
    private static final int TRANS = openblas_nolapack.CblasTrans;
    private static final int RIGHT = openblas_nolapack.CblasRight;
    private static final int LOWER = openblas_nolapack.CblasLower;
    private static final int NON_UNIT = openblas_nolapack.CblasNonUnit;
    private static final byte LAPACK_LOWER = 'L';
    /** LAPACKE's answer when its input check finds a NaN in the matrix (argument 4). */
    static final int NAN_IN_INPUT = -4;

    static {
        Loader.load(openblas_nolapack.class);
        Loader.load(openblas.class);
        org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(1);
    }

    private OpenBlas() {
    }

    /** Loads the library (a no-op once loaded); throws {@link LinkageError} when it cannot. */
    public static void load() {
        // the static initialiser did the work
    }

    /** Sets the threads OpenBLAS uses for one call, process-wide. */
    public static void threads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads " + threads + " must be at least 1");
        }
        org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(threads);
    }

    /** The threads OpenBLAS uses for one call. */
    public static int threads() {
        return org.bytedeco.openblas.presets.openblas_nolapack.blas_get_num_threads();
    }

    /** A direct, native-order buffer of {@code length} doubles, as {@link #dgemm} takes. */
    public static DoubleBuffer allocate(long length) {
        if (length < 0 || length > Integer.MAX_VALUE / Double.BYTES) {
            throw new IllegalArgumentException("buffer of " + length + " doubles out of range [0, "
                + Integer.MAX_VALUE / Double.BYTES + "]");
        }
        return ByteBuffer.allocateDirect((int) length * Double.BYTES).order(ByteOrder.nativeOrder()).asDoubleBuffer();
    }

    /**
     * {@code c = a·b} for {@code n × n} matrices in direct buffers ({@link #allocate}), row-major when
     * {@code rowMajor}, else column-major; runs on {@link #threads()} threads.
     */
    public static void dgemm(int n, DoubleBuffer a, DoubleBuffer b, DoubleBuffer c, boolean rowMajor) {
        long length = (long) n * n;
        if (n < 1 || a.capacity() < length || b.capacity() < length || c.capacity() < length) {
            throw new IllegalArgumentException("dgemm of n = " + n + " needs buffers of " + length
                + " doubles; got " + a.capacity() + ", " + b.capacity() + ", " + c.capacity());
        }
        if (!a.isDirect() || !b.isDirect() || !c.isDirect()) {
            throw new IllegalArgumentException("dgemm needs direct buffers (OpenBlas.allocate)");
        }
        dgemm(rowMajor ? ROW_MAJOR : COL_MAJOR, n, a, b, c);
    }

    /** Column-major {@code c = a·b} on direct buffers, unchecked: the tile kernels' hot path. */
    static void dgemmColumnMajor(int t, DoubleBuffer a, DoubleBuffer b, DoubleBuffer c) {
        dgemm(COL_MAJOR, t, a, b, c);
    }

    /** Column-major {@code c = c + a·b} on direct buffers, unchecked. */
    static void dgemmAddColumnMajor(int t, DoubleBuffer a, DoubleBuffer b, DoubleBuffer c) {
        openblas_nolapack.cblas_dgemm(COL_MAJOR, NO_TRANS, NO_TRANS, t, t, t, 1.0, a, t, b, t, 1.0, c, t);
    }

    private static void dgemm(int layout, int n, DoubleBuffer a, DoubleBuffer b, DoubleBuffer c) {
        openblas_nolapack.cblas_dgemm(layout, NO_TRANS, NO_TRANS, n, n, n, 1.0, a, n, b, n, 0.0, c, n);
    }

    /**
     * The Cholesky factor of the symmetric positive definite {@code n × n} matrix in the direct buffer
     * {@code a} ({@code LAPACKE_dpotrf}, lower triangle in column-major order, or upper triangle when the same
     * buffer is read row-major), in place, on {@link #threads()} threads.
     *
     * @return LAPACK's {@code info}: 0, {@code k ≥ 1} when the leading minor of order {@code k} is not positive
     *         definite, or -4 when the lower triangle holds a NaN
     */
    public static int dpotrf(int n, DoubleBuffer a) {
        long length = (long) n * n;
        if (n < 1 || a.capacity() < length || !a.isDirect()) {
            throw new IllegalArgumentException("dpotrf of n = " + n + " needs a direct buffer of " + length
                + " doubles; got " + a.capacity() + (a.isDirect() ? "" : ", not direct"));
        }
        return dpotrfColumnMajor(n, a, n);
    }

    /**
     * {@link #dpotrf(int, DoubleBuffer)} on native memory of JavaCPP's, for matrices beyond a buffer's 2³¹ bytes
     * ({@code n > 16383}).
     */
    public static int dpotrf(int n, DoublePointer a) {
        long length = (long) n * n;
        if (n < 1 || a.capacity() < length) {
            throw new IllegalArgumentException("dpotrf of n = " + n + " needs " + length + " doubles; got "
                + a.capacity());
        }
        int info = openblas.LAPACKE_dpotrf(openblas.LAPACK_COL_MAJOR, LAPACK_LOWER, n, a, n);
        if (info < 0 && info != NAN_IN_INPUT) {
            throw new IllegalStateException("LAPACKE_dpotrf rejected argument " + -info + " (n = " + n + ")");
        }
        return info;
    }

    /**
     * {@code LAPACKE_dpotrf} of the lower leading {@code m × m} block of a column-major matrix, unchecked; returns
     * {@link #NAN_IN_INPUT} when LAPACKE found a NaN in that triangle (it then leaves the matrix as it was).
     */
    static int dpotrfColumnMajor(int m, DoubleBuffer a, int lda) {
        int info = openblas.LAPACKE_dpotrf(openblas.LAPACK_COL_MAJOR, LAPACK_LOWER, m, a, lda);
        if (info < 0 && info != NAN_IN_INPUT) {
            throw new IllegalStateException("LAPACKE_dpotrf rejected argument " + -info + " (m = " + m + ", lda = "
                + lda + ")");
        }
        return info;
    }

    /** Column-major {@code b = b·L⁻ᵀ}, {@code L} the lower triangle of {@code l}, unchecked. */
    static void dtrsmRightLowerTransposed(int t, DoubleBuffer l, DoubleBuffer b) {
        openblas_nolapack.cblas_dtrsm(COL_MAJOR, RIGHT, LOWER, TRANS, NON_UNIT, t, t, 1.0, l, t, b, t);
    }

    /** Column-major {@code c = c - a·aᵀ} on the lower triangle of {@code c}, unchecked. */
    static void dsyrkLowerSubtract(int t, DoubleBuffer a, DoubleBuffer c) {
        openblas_nolapack.cblas_dsyrk(COL_MAJOR, LOWER, NO_TRANS, t, t, -1.0, a, t, 1.0, c, t);
    }

    /** Column-major {@code c = c - a·bᵀ}, unchecked. */
    static void dgemmSubtractTransposed(int t, DoubleBuffer a, DoubleBuffer b, DoubleBuffer c) {
        openblas_nolapack.cblas_dgemm(COL_MAJOR, NO_TRANS, TRANS, t, t, t, -1.0, a, t, b, t, 1.0, c, t);
    }
}
