package org.bind.linalg.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * OpenBLAS through JavaCPP's presets ({@code org.bytedeco:openblas}, the BLAS-only library). Loading this class
 * loads the native library (JavaCPP extracts it to {@code ~/.javacpp/cache}) and sets OpenBLAS to one thread: Bind
 * runs one tile product per worker, so the workers are the parallelism. The thread count is process-wide; a
 * program that also calls OpenBLAS on whole matrices (a baseline) sets it around those calls with
 * {@link #threads(int)} while no Bind op runs.
 *
 * <p>Loading fails with a {@link LinkageError} where the library or its jars are missing; {@link Kernels} then
 * falls back to the pure-Java kernels. Any thread.
 */
public final class OpenBlas {
    private static final int ROW_MAJOR = openblas_nolapack.CblasRowMajor;
    private static final int COL_MAJOR = openblas_nolapack.CblasColMajor;
    private static final int NO_TRANS = openblas_nolapack.CblasNoTrans;

    static {
        Loader.load(openblas_nolapack.class);
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

    private static void dgemm(int layout, int n, DoubleBuffer a, DoubleBuffer b, DoubleBuffer c) {
        openblas_nolapack.cblas_dgemm(layout, NO_TRANS, NO_TRANS, n, n, n, 1.0, a, n, b, n, 0.0, c, n);
    }
}
