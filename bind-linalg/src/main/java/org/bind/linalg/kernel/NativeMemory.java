package org.bind.linalg.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Memory outside the Java heap through JavaCPP's {@code malloc}, {@code calloc} and {@code free}, seen from Java as
 * a direct buffer. Nothing here registers with JavaCPP's deallocator or its memory limits: such memory is freed only
 * by {@link #free}, so no garbage collection is ever forced to find out that it is dead. The only class of
 * bind-linalg that names JavaCPP's memory types, so that a JVM without its jars loads {@link TileBuffer} and falls
 * back to heap storage.
 *
 * <p>Any thread.
 */
final class NativeMemory {
    private NativeMemory() {
    }

    /** Native memory and its direct view. */
    record Block(Pointer pointer, ByteBuffer bytes) {
    }

    /** Loads JavaCPP's native library; throws {@link LinkageError} when it cannot. */
    static void load() {
        Pointer.free(Pointer.malloc(8));
    }

    /**
     * {@code bytes} of native memory, zeroed when {@code zero} (by {@code calloc}, whose large blocks are fresh
     * pages: zero at no cost), in native byte order.
     *
     * @throws OutOfMemoryError when the allocation fails
     */
    static Block allocate(int bytes, boolean zero) {
        Pointer raw = zero ? Pointer.calloc(Math.max(1, bytes), 1) : Pointer.malloc(Math.max(1, bytes));
        if (raw == null || raw.isNull()) {
            throw new OutOfMemoryError("cannot allocate " + bytes + " bytes of native memory for a tile");
        }
        BytePointer pointer = new BytePointer(raw).capacity(bytes);
        return new Block(pointer, pointer.asByteBuffer().order(ByteOrder.nativeOrder()));
    }

    /** Frees a block of {@link #allocate}. */
    static void free(Object pointer) {
        Pointer.free((Pointer) pointer);
    }
}
