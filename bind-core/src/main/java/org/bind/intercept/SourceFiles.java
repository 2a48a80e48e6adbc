package org.bind.intercept;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.utility.OpenedClassReader;

/**
 * Puts back the source file names that the JVM leaves out of stack traces after a retransformation.
 *
 * <p>When a class is retransformed while one of its methods runs (the program's {@code main} calling
 * {@code Bind.init}, which weaves the {@code @Op} methods of classes loaded already), that frame keeps running the
 * previous version of the class, and HotSpot prints it as {@code (Unknown Source)}: it keeps the line number but
 * drops the file name of frames whose class version is not the current one. Under {@code -javaagent} the weaving
 * is installed before the program's classes load, so nothing is retransformed and the JVM's own traces are
 * complete; after a self-attach, {@link #repair} fills the file names back in from the classes' {@code SourceFile}
 * attributes, recorded here when they were retransformed.
 *
 * <p>Thread safe.
 */
public final class SourceFiles {
    private static final Map<String, String> RETRANSFORMED = new ConcurrentHashMap<>();
    private static volatile boolean handlerInstalled;

    private SourceFiles() {
    }

    /** Records the {@code SourceFile} attribute of a retransformed class, given its new class file. */
    static void onRetransformed(String className, byte[] classFile) {
        String[] source = new String[1];
        new ClassReader(classFile).accept(new ClassVisitor(OpenedClassReader.ASM_API) {
            @Override
            public void visitSource(String file, String debug) {
                source[0] = file;
            }
        }, ClassReader.SKIP_CODE | ClassReader.SKIP_FRAMES);
        if (source[0] != null) {
            RETRANSFORMED.put(className, source[0]);
            installUncaughtHandler();
        }
    }

    /** The source file of a class retransformed here (its frames may have lost it), or null. */
    public static String retransformedSourceFile(String className) {
        return RETRANSFORMED.get(className);
    }

    /**
     * Fills in the file name of every frame of {@code error}, its causes and suppressed exceptions that lost it to a
     * retransformation; returns {@code error}. Cheap when nothing was retransformed.
     */
    public static <T extends Throwable> T repair(T error) {
        if (error != null && !RETRANSFORMED.isEmpty()) {
            repair(error, java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
        }
        return error;
    }

    private static void repair(Throwable error, Set<Throwable> seen) {
        if (!seen.add(error)) {
            return;
        }
        StackTraceElement[] frames = error.getStackTrace();
        boolean changed = false;
        for (int i = 0; i < frames.length; i++) {
            StackTraceElement frame = frames[i];
            String file = frame.getFileName() == null && frame.getLineNumber() >= 0
                ? RETRANSFORMED.get(frame.getClassName()) : null;
            if (file != null) {
                frames[i] = new StackTraceElement(printedLoaderName(frame), frame.getModuleName(),
                    frame.getModuleVersion(), frame.getClassName(), frame.getMethodName(), file, frame.getLineNumber());
                changed = true;
            }
        }
        if (changed) {
            error.setStackTrace(frames);
        }
        if (error.getCause() != null) {
            repair(error.getCause(), seen);
        }
        for (Throwable suppressed : error.getSuppressed()) {
            repair(suppressed, seen);
        }
    }

    /** The JVM prints no loader name for the built-in class loaders; neither do the repaired frames. */
    private static String printedLoaderName(StackTraceElement frame) {
        String name = frame.getClassLoaderName();
        return "app".equals(name) || "platform".equals(name) ? null : name;
    }

    /**
     * The trace of an exception escaping a thread (as {@code main} does) is printed by the JVM: unless the program
     * set a default handler of its own, this one repairs it and prints it as the JVM would.
     */
    private static synchronized void installUncaughtHandler() {
        if (handlerInstalled || Thread.getDefaultUncaughtExceptionHandler() != null) {
            return;
        }
        handlerInstalled = true;
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> {
            repair(error);
            System.err.print("Exception in thread \"" + thread.getName() + "\" ");
            error.printStackTrace(System.err);
        });
    }
}
