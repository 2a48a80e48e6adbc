package org.bind.transport.inproc;

import java.net.URL;
import java.net.URLClassLoader;

/**
 * One rank's application classes, so that each rank of an in-JVM job has its own statics, as separate
 * processes would. Looks in the application classpath first; the runtime itself (Bind's packages, its
 * transports, Byte Buddy, the JDK) always comes from the parent, so that every rank talks to the same
 * interception and the same transports.
 */
final class RankClassLoader extends URLClassLoader {
    private static final String[] SHARED = {
        "java.", "javax.", "jdk.", "sun.", "com.sun.", "net.bytebuddy.", "org.agrona.", "io.aeron.", "mpi.", "mpjdev.",
        "mpjbuf.", "xdev.", "runtime.", "org.bind.codec.", "org.bind.collective.", "org.bind.dag.",
        "org.bind.intercept.", "org.bind.schedule.", "org.bind.trace.", "org.bind.transport.", "org.bind.version.",
        "org.bind.mpi."
    };

    static {
        ClassLoader.registerAsParallelCapable();
    }

    RankClassLoader(int rank, URL[] classpath, ClassLoader parent) {
        super("bind-rank-" + rank, classpath, parent);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (isShared(name)) {
            return super.loadClass(name, resolve);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> loaded = findLoadedClass(name);
            if (loaded == null) {
                try {
                    loaded = findClass(name);
                } catch (ClassNotFoundException notInApplication) {
                    return super.loadClass(name, resolve);
                }
            }
            if (resolve) {
                resolveClass(loaded);
            }
            return loaded;
        }
    }

    static boolean isShared(String name) {
        for (String prefix : SHARED) {
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        // org.bind's own API classes (org.bind.Bind, org.bind.IntArray, ...), but not user packages below it
        return name.startsWith("org.bind.") && name.indexOf('.', "org.bind.".length()) < 0;
    }
}
