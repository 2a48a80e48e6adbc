package org.bind;

/**
 * Where the program opened a scope: the first frame outside Bind's own classes. Captured at every {@code on(r)}
 * (a short stack walk), formatted only when a message needs it.
 */
final class OpenedAt {
    private static final StackWalker WALKER = StackWalker.getInstance();

    private final StackWalker.StackFrame frame;

    private OpenedAt(StackWalker.StackFrame frame) {
        this.frame = frame;
    }

    /** The caller of the public Bind method that called this. */
    static OpenedAt caller() {
        return new OpenedAt(WALKER.walk(frames -> frames
            .filter(f -> !f.getClassName().equals(Bind.class.getName())
                && !f.getClassName().startsWith(Bind.class.getName() + "$")
                && !f.getClassName().equals(OpenedAt.class.getName()))
            .findFirst()).orElse(null));
    }

    /** {@code Class.method(File.java:line)}. */
    @Override
    public String toString() {
        if (frame == null) {
            return "an unknown place";
        }
        String type = frame.getClassName();
        // a frame whose class was retransformed while it ran (main, around Bind.init) may have lost its file name
        String file = frame.getFileName() != null ? frame.getFileName()
            : org.bind.intercept.SourceFiles.retransformedSourceFile(type);
        String where = file == null ? "Unknown Source" : frame.getLineNumber() < 0 ? file
            : file + ":" + frame.getLineNumber();
        return type.substring(type.lastIndexOf('.') + 1) + "." + frame.getMethodName() + "(" + where + ")";
    }
}
