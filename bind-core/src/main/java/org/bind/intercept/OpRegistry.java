package org.bind.intercept;

import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * Every woven {@code @Op} method gets an index at weave time; the woven code passes it back on each call.
 * The {@link OpMethod} is resolved on the first call, when the class is loaded.
 *
 * <p>Registration: any class-loading thread (synchronized). Lookup: any thread, lock free.
 */
final class OpRegistry {
    private record Entry(String methodName, String descriptor, String[] parameterNames, OpMethod[] resolved) {
    }

    private static volatile Entry[] entries = new Entry[64];
    private static int count;

    private OpRegistry() {
    }

    static synchronized int register(String methodName, String descriptor, String[] parameterNames) {
        if (count == entries.length) {
            entries = Arrays.copyOf(entries, count * 2);
        }
        Entry[] current = entries;
        current[count] = new Entry(methodName, descriptor, parameterNames, new OpMethod[1]);
        entries = current; // volatile write publishes the new entry
        return count++;
    }

    static OpMethod resolve(int id, Class<?> declaringType) {
        Entry entry = entries[id];
        OpMethod method = entry.resolved[0];
        if (method == null) {
            synchronized (entry) {
                method = entry.resolved[0];
                if (method == null) {
                    method = OpMethod.create(id, find(declaringType, entry), entry.parameterNames());
                    entry.resolved[0] = method;
                }
            }
        }
        return method;
    }

    private static Method find(Class<?> type, Entry entry) {
        for (Method m : type.getDeclaredMethods()) {
            if (m.getName().equals(entry.methodName)
                && MethodType.methodType(m.getReturnType(), m.getParameterTypes()).toMethodDescriptorString()
                    .equals(entry.descriptor)) {
                return m;
            }
        }
        throw new IllegalStateException("woven @Op method " + type.getName() + "." + entry.methodName
            + entry.descriptor + " not found");
    }
}
