package org.bind.dag;

import java.nio.ByteBuffer;
import java.util.Arrays;

import org.bind.BindException;
import org.bind.codec.Codec;
import org.bind.intercept.OpMethod;
import org.bind.version.BufferType;
import org.bind.version.Tracked;
import org.bind.version.Version;

/**
 * Checked mode ({@value #CHECK_PROP_NAME}{@code =true}): runs an op so that misuse of its versioned arguments fails
 * the op, with a message naming the op, the parameter, the object and what was violated, instead of silently
 * corrupting a version.
 *
 * <ul>
 *   <li><b>A write into an {@code @In} version.</b> Every read-only argument gets a private copy of the version's
 *       buffer for the op; after the op the copy is compared with the version: a difference fails the op. The
 *       version itself is never touched, so other readers, and other ranks, still see what its producer made.</li>
 *   <li><b>A {@code data()} array used after its op ended</b> (kept in a field, written by a later op or by the
 *       program thread). The op that makes a version records a hash of its contents; an op that reads the version
 *       later hashes it again before running and fails, naming the producer, when they differ. Detected when a
 *       later op on this rank reads the changed version; a write after the last read goes unseen.</li>
 * </ul>
 *
 * <p>An {@code @Out} buffer read before it is written is not checked: a fresh {@code @Out} buffer holds the
 * object's first-version contents (zeros), which an op may legitimately rely on, and plain arrays have no read
 * barrier that could tell a read from a write; poisoning the buffer would change the results of correct programs.
 *
 * <p>Cost: a copy and a comparison per read-only argument, a hash per output and per input, each a pass over the
 * buffer. Off (the default), none of this runs: {@link OpNode} calls {@link #run} only for an engine started in
 * checked mode. Worker threads.
 */
final class AccessCheck {
    static final String CHECK_PROP_NAME = "bind.check";

    private AccessCheck() {
    }

    /** Whether engines started now run in checked mode. */
    static boolean enabled() {
        return Boolean.getBoolean(CHECK_PROP_NAME);
    }

    /**
     * Runs {@code method} like {@link OpNode} does, over the op's bound buffers, with the checks above. Throws the
     * op's own exception, or a {@link BindException} describing the violation.
     */
    static void run(OpMethod method, Object receiver, Object[] arguments, long[] primitives, Tracked[] objects,
                    Access[] access, Version[] inputs, Version[] outputs, Object[] buffers) throws Throwable {
        for (int i = 0; i < objects.length; i++) {
            Version in = inputs[i];
            if (in != null && in.producer() != null && hash(in.type(), in.buffer()) != in.contentHash()) {
                throw new BindException(describe(method, arguments, receiver, objects[i]) + " reads "
                    + in.chain().name() + " as op " + in.producer() + " made it, but its contents changed after that"
                    + " op ended: a data() array was written after its op ended (kept in a field or a lambda)");
            }
        }
        Object[] versions = new Object[objects.length];
        for (int i = 0; i < objects.length; i++) {
            if (access[i] == Access.READ) {
                versions[i] = buffers[i];
                buffers[i] = inputs[i].type().copy(buffers[i], null);
            }
        }
        try {
            try {
                method.invoke(receiver, arguments, primitives);
            } finally {
                for (int i = 0; i < objects.length; i++) {
                    if (versions[i] != null) {
                        Object used = buffers[i];
                        buffers[i] = versions[i];
                        versions[i] = used;
                    }
                }
            }
            for (int i = 0; i < objects.length; i++) {
                if (versions[i] != null && !sameContents(inputs[i].type(), versions[i], buffers[i])) {
                    throw new BindException(describe(method, arguments, receiver, objects[i]) + " wrote into "
                        + inputs[i].chain().name() + ", which it may only read (@In); write through an @Out or"
                        + " unannotated parameter. The version was left as it was");
                }
            }
        } finally {
            for (int i = 0; i < objects.length; i++) {
                if (versions[i] != null) {
                    inputs[i].type().discard(versions[i]); // the op's private copy of an @In buffer
                }
            }
        }
        for (int i = 0; i < objects.length; i++) {
            if (outputs[i] != null) {
                outputs[i].recordContents(method.name(), hash(outputs[i].type(), buffers[i]));
            }
        }
    }

    /** "parameter 0 (a) of op Main.add" (or "the receiver of ..."), for {@code object}. */
    private static String describe(OpMethod method, Object[] arguments, Object receiver, Tracked object) {
        for (int p = 0; p < arguments.length; p++) {
            if (arguments[p] == object) {
                String kind = switch (method.kind(p)) {
                    case IN -> "@In ";
                    case OUT -> "@Out ";
                    default -> "";
                };
                return "op " + method.name() + ": " + kind + "parameter " + method.describe(p);
            }
        }
        return "op " + method.name() + ": " + (object == receiver ? "the receiver" : "an argument");
    }

    private static boolean sameContents(BufferType<Object> type, Object a, Object b) {
        if (a instanceof int[] x && b instanceof int[] y) {
            return Arrays.equals(x, y);
        }
        if (a instanceof long[] x && b instanceof long[] y) {
            return Arrays.equals(x, y);
        }
        if (a instanceof double[] x && b instanceof double[] y) {
            return Arrays.equals(x, y);
        }
        if (a instanceof byte[] x && b instanceof byte[] y) {
            return Arrays.equals(x, y);
        }
        return encode(type.codec(), a).equals(encode(type.codec(), b));
    }

    /**
     * A 64-bit hash of a buffer's contents (arrays directly, anything else through its codec): four independent
     * multiply-xor lanes, so that the multiplications overlap and the pass runs near memory speed.
     */
    static long hash(BufferType<Object> type, Object buffer) {
        if (buffer instanceof double[] a) {
            long h0 = 1;
            long h1 = 2;
            long h2 = 3;
            long h3 = 4;
            int i = 0;
            for (; i + 3 < a.length; i += 4) {
                h0 = (h0 ^ Double.doubleToRawLongBits(a[i])) * M;
                h1 = (h1 ^ Double.doubleToRawLongBits(a[i + 1])) * M;
                h2 = (h2 ^ Double.doubleToRawLongBits(a[i + 2])) * M;
                h3 = (h3 ^ Double.doubleToRawLongBits(a[i + 3])) * M;
            }
            for (; i < a.length; i++) {
                h0 = (h0 ^ Double.doubleToRawLongBits(a[i])) * M;
            }
            return finish(h0, h1, h2, h3, a.length);
        }
        if (buffer instanceof long[] a) {
            long h0 = 1;
            long h1 = 2;
            long h2 = 3;
            long h3 = 4;
            int i = 0;
            for (; i + 3 < a.length; i += 4) {
                h0 = (h0 ^ a[i]) * M;
                h1 = (h1 ^ a[i + 1]) * M;
                h2 = (h2 ^ a[i + 2]) * M;
                h3 = (h3 ^ a[i + 3]) * M;
            }
            for (; i < a.length; i++) {
                h0 = (h0 ^ a[i]) * M;
            }
            return finish(h0, h1, h2, h3, a.length);
        }
        if (buffer instanceof int[] a) {
            long h0 = 1;
            long h1 = 2;
            long h2 = 3;
            long h3 = 4;
            int i = 0;
            for (; i + 3 < a.length; i += 4) {
                h0 = (h0 ^ a[i]) * M;
                h1 = (h1 ^ a[i + 1]) * M;
                h2 = (h2 ^ a[i + 2]) * M;
                h3 = (h3 ^ a[i + 3]) * M;
            }
            for (; i < a.length; i++) {
                h0 = (h0 ^ a[i]) * M;
            }
            return finish(h0, h1, h2, h3, a.length);
        }
        ByteBuffer bytes = buffer instanceof byte[] a ? ByteBuffer.wrap(a) : encode(type.codec(), buffer);
        long h0 = 1;
        long h1 = 2;
        while (bytes.remaining() >= 2 * Long.BYTES) {
            h0 = (h0 ^ bytes.getLong()) * M;
            h1 = (h1 ^ bytes.getLong()) * M;
        }
        while (bytes.hasRemaining()) {
            h0 = (h0 ^ bytes.get()) * M;
        }
        return finish(h0, h1, 3, 4, bytes.limit());
    }

    private static final long M = 0x9E3779B97F4A7C15L;

    private static long finish(long h0, long h1, long h2, long h3, long length) {
        long h = ((h0 * 31 + h1) * 31 + h2) * 31 + h3 + length;
        h = (h ^ (h >>> 33)) * 0xFF51AFD7ED558CCDL;
        return h ^ (h >>> 33);
    }

    private static ByteBuffer encode(Codec<Object> codec, Object value) {
        ByteBuffer bytes = ByteBuffer.allocate(codec.encodedLength(value));
        codec.encode(value, bytes, 0);
        return bytes;
    }
}
