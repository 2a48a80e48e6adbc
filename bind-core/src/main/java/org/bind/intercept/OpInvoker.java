package org.bind.intercept;

import static java.lang.invoke.MethodType.methodType;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

/**
 * Builds, once per {@code @Op} method, the {@link MethodHandle} that runs its body from an op node's argument
 * storage ({@link OpCall}'s layout): {@code (Object receiver, Object[] references, long[] primitives)void}. Each
 * parameter is read from its slot with the parameter's own type (primitives by narrowing or from their bits,
 * references by a cast), so nothing is boxed and no reflection runs per call.
 */
final class OpInvoker {
    static final MethodType TYPE = methodType(void.class, Object.class, Object[].class, long[].class);
    private static final MethodHandle REFERENCE = MethodHandles.arrayElementGetter(Object[].class);
    private static final MethodHandle PRIMITIVE = MethodHandles.arrayElementGetter(long[].class);
    private static final MethodHandle INT_BITS_TO_FLOAT;
    private static final MethodHandle LONG_BITS_TO_DOUBLE;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            INT_BITS_TO_FLOAT = lookup.findStatic(Float.class, "intBitsToFloat", methodType(float.class, int.class));
            LONG_BITS_TO_DOUBLE = lookup.findStatic(Double.class, "longBitsToDouble",
                methodType(double.class, long.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private OpInvoker() {
    }

    static MethodHandle of(Method method) {
        try {
            method.setAccessible(true);
            MethodHandle target = MethodHandles.lookup().unreflect(method);
            if (Modifier.isStatic(method.getModifiers())) {
                target = MethodHandles.dropArguments(target, 0, Object.class);
            } else {
                target = target.asType(target.type().changeParameterType(0, Object.class));
            }
            Class<?>[] types = method.getParameterTypes();
            for (int i = types.length - 1; i >= 0; i--) {
                target = MethodHandles.collectArguments(target, 1 + i, slot(types[i], i));
            }
            // (receiver, refs, prims, refs, prims, ...): every pair is the same two arrays
            int[] reorder = new int[1 + 2 * types.length];
            for (int i = 0; i < types.length; i++) {
                reorder[1 + 2 * i] = 1;
                reorder[2 + 2 * i] = 2;
            }
            return MethodHandles.permuteArguments(target.asType(target.type().changeReturnType(void.class)), TYPE,
                reorder);
        } catch (IllegalAccessException | RuntimeException e) {
            throw new IllegalStateException("cannot invoke @Op method " + method + ": " + e, e);
        }
    }

    /** {@code (Object[] references, long[] primitives) -> type}: parameter {@code index}'s value. */
    private static MethodHandle slot(Class<?> type, int index) {
        if (!type.isPrimitive()) {
            MethodHandle reference = MethodHandles.insertArguments(REFERENCE, 1, index)
                .asType(methodType(type, Object[].class));
            return MethodHandles.dropArguments(reference, 1, long[].class);
        }
        MethodHandle bits = MethodHandles.insertArguments(PRIMITIVE, 1, index);
        MethodHandle value;
        if (type == double.class) {
            value = MethodHandles.filterReturnValue(bits, LONG_BITS_TO_DOUBLE);
        } else if (type == float.class) {
            value = MethodHandles.filterReturnValue(
                MethodHandles.explicitCastArguments(bits, methodType(int.class, long[].class)), INT_BITS_TO_FLOAT);
        } else { // long as is; int, short, byte, char by narrowing; boolean from the low bit (stored 0 or 1)
            value = MethodHandles.explicitCastArguments(bits, methodType(type, long[].class));
        }
        return MethodHandles.dropArguments(value, 0, Object[].class);
    }
}
