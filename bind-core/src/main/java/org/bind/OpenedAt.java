package org.bind;

import java.util.Optional;

/** Where the program opened a scope: the first frame outside Bind's own classes, as {@code File.java:line}. */
final class OpenedAt {
    private static final StackWalker WALKER = StackWalker.getInstance();

    private OpenedAt() {
    }

    /** The caller of the public Bind method that called this, as {@code Class.method(File.java:line)}. */
    static String caller() {
        Optional<StackWalker.StackFrame> frame = WALKER.walk(frames -> frames
            .filter(f -> !f.getClassName().equals(Bind.class.getName())
                && !f.getClassName().startsWith(Bind.class.getName() + "$"))
            .filter(f -> !f.getClassName().equals(OpenedAt.class.getName()))
            .findFirst());
        return frame.map(f -> f.getClassName().substring(f.getClassName().lastIndexOf('.') + 1) + "."
            + f.getMethodName() + "(" + f.getFileName() + ":" + f.getLineNumber() + ")").orElse("an unknown place");
    }
}
