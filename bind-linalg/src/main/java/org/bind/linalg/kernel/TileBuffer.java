package org.bind.linalg.kernel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The storage of one tile: {@code length} doubles outside the Java heap, where OpenBLAS reads and writes them in
 * place and a transport can send their bytes without a copy ({@link #bytes()}). Native memory comes from
 * {@link NativeMemory} and is freed by {@link #free()}, which the runtime calls through the tile type's
 * {@code discard} once the last version holding it has died: no garbage collection is needed to reclaim it. Where
 * JavaCPP cannot load (the pure-Java fallback), the same doubles live in a heap buffer that the collector reclaims.
 *
 * <p>A freed buffer refuses every further access with an {@link IllegalStateException} instead of reading freed
 * memory. Accessors are not synchronised: a buffer is written by one op at a time, as the runtime orders them;
 * {@link #free()} is called once, after its last reader.
 */
public final class TileBuffer {
    private static final VarHandle FREED;
    /** Why native memory is not used, or null when it is. */
    private static final String NATIVE_PROBLEM = probeNative();
    /** Native bytes allocated and not yet freed, in this class loader. */
    private static final AtomicLong NATIVE_BYTES = new AtomicLong();

    static {
        try {
            FREED = MethodHandles.lookup().findVarHandle(TileBuffer.class, "freed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int length;
    private final DoubleBuffer doubles;
    private final ByteBuffer bytes;
    /** JavaCPP's pointer to the native memory (typed {@code Object} so that this class links without JavaCPP). */
    private final Object pointer;
    private volatile boolean freed;

    private TileBuffer(int length, ByteBuffer bytes, Object pointer) {
        this.length = length;
        this.bytes = bytes;
        this.doubles = bytes.asDoubleBuffer();
        this.pointer = pointer;
    }

    private static String probeNative() {
        try {
            NativeMemory.load();
            return null;
        } catch (LinkageError | RuntimeException e) {
            return "native memory unavailable (" + e + "): tiles live on the Java heap";
        }
    }

    /** Whether tiles live in native memory; false in the pure-Java fallback. */
    public static boolean isNativeAvailable() {
        return NATIVE_PROBLEM == null;
    }

    /** {@code length} zeros. */
    public static TileBuffer zeros(int length) {
        return allocate(length, true);
    }

    /** {@code length} doubles with unspecified contents, for a buffer about to be overwritten whole. */
    public static TileBuffer uninitialised(int length) {
        return allocate(length, false);
    }

    /** A new buffer holding a copy of {@code values}. */
    public static TileBuffer of(double[] values) {
        TileBuffer buffer = uninitialised(values.length);
        buffer.doubles.put(0, values, 0, values.length);
        return buffer;
    }

    /**
     * {@code length} doubles with unspecified contents in a direct buffer that the garbage collector frees: a
     * thread's scratch memory, which lives as long as the thread and is never {@linkplain #free() freed}.
     */
    static TileBuffer scratch(int length) {
        checkLength(length);
        return new TileBuffer(length, ByteBuffer.allocateDirect(length * Double.BYTES).order(ByteOrder.nativeOrder()),
            null);
    }

    /** Native bytes of tile buffers allocated and not freed yet (zero in the pure-Java fallback). */
    public static long nativeBytes() {
        return NATIVE_BYTES.get();
    }

    private static void checkLength(int length) {
        if (length < 0 || length > Integer.MAX_VALUE / Double.BYTES) {
            throw new IllegalArgumentException("a tile of " + length + " doubles is out of range [0, "
                + Integer.MAX_VALUE / Double.BYTES + "] (a side up to 16383)");
        }
    }

    private static TileBuffer allocate(int length, boolean zero) {
        checkLength(length);
        int byteCount = length * Double.BYTES;
        if (NATIVE_PROBLEM == null) {
            NativeMemory.Block block = NativeMemory.allocate(byteCount, zero);
            NATIVE_BYTES.addAndGet(byteCount);
            return new TileBuffer(length, block.bytes(), block.pointer());
        }
        return new TileBuffer(length, ByteBuffer.allocate(byteCount).order(ByteOrder.nativeOrder()), null);
    }

    /** Doubles held. */
    public int length() {
        return length;
    }

    /** Whether the doubles are in native memory that {@link #free()} frees (else the collector reclaims them). */
    public boolean isNative() {
        return pointer != null;
    }

    /**
     * The doubles, a direct buffer over the storage when native (absolute gets and puts; do not move its position
     * from several threads).
     *
     * @throws IllegalStateException when the buffer was freed
     */
    public DoubleBuffer doubles() {
        checkLive();
        return doubles;
    }

    /** The storage's bytes (native order), read-only, for the wire. */
    public ByteBuffer bytes() {
        checkLive();
        return bytes.asReadOnlyBuffer().order(bytes.order());
    }

    /** Element {@code i}. */
    public double get(int i) {
        checkLive();
        return doubles.get(i);
    }

    /** Sets element {@code i}. */
    public void put(int i, double value) {
        checkLive();
        doubles.put(i, value);
    }

    /**
     * Copies the bytes between {@code source}'s position and limit into the storage, starting at byte
     * {@code byteOffset}, as they are (the storage's byte order is the machine's); leaves {@code source}'s position as
     * it was. How a tile received in pieces lands in its storage without an intermediate array.
     *
     * @throws IndexOutOfBoundsException when the bytes run past the storage's end
     */
    public void putBytes(int byteOffset, ByteBuffer source) {
        checkLive();
        int count = source.remaining();
        if (byteOffset < 0 || (long) byteOffset + count > (long) length * Double.BYTES) {
            throw new IndexOutOfBoundsException("bytes [" + byteOffset + ", " + ((long) byteOffset + count)
                + ") outside a tile of " + (long) length * Double.BYTES + " bytes");
        }
        bytes.put(byteOffset, source, source.position(), count);
    }

    /** Copies the first {@code count} doubles into {@code into}. */
    public void get(double[] into, int count) {
        checkLive();
        doubles.get(0, into, 0, count);
    }

    /** Copies {@code count} doubles of {@code from} into the start of this buffer. */
    public void put(double[] from, int count) {
        checkLive();
        doubles.put(0, from, 0, count);
    }

    /** A copy of the doubles on the heap. */
    public double[] toArray() {
        double[] values = new double[length];
        get(values, length);
        return values;
    }

    /** Copies all of {@code source} (of the same length) into this buffer. */
    public void copyFrom(TileBuffer source) {
        checkLive();
        doubles.put(0, source.doubles(), 0, length);
    }

    /** Sets every element to zero. */
    public void clear() {
        checkLive();
        for (int i = 0; i < length; i++) {
            doubles.put(i, 0.0);
        }
    }

    /** Whether {@link #free()} was called. */
    public boolean isFreed() {
        return freed;
    }

    /**
     * Frees the native memory (heap and scratch buffers are left to the collector); later accesses throw.
     *
     * @throws IllegalStateException when called twice
     */
    public void free() {
        if (!FREED.compareAndSet(this, false, true)) {
            throw new IllegalStateException("a tile buffer of " + length + " doubles freed twice");
        }
        if (pointer != null) {
            NativeMemory.free(pointer);
            NATIVE_BYTES.addAndGet(-(long) length * Double.BYTES);
        }
    }

    private void checkLive() {
        if (freed) {
            throw new IllegalStateException("a tile buffer of " + length + " doubles used after it was freed (its"
                + " version died)");
        }
    }

    @Override
    public String toString() {
        return "TileBuffer of " + length + " doubles" + (isNative() ? " (native)" : " (heap)")
            + (freed ? ", freed" : "");
    }
}
