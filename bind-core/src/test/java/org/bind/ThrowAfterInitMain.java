package org.bind;

/**
 * Run by {@link LineNumbersTest} in a fresh JVM: its class declares an op, so {@code Bind.init} weaves it while
 * {@code main} runs; then main throws, from a line the test finds by its marker comment.
 */
public final class ThrowAfterInitMain {
    private ThrowAfterInitMain() {
    }

    @Op
    static void fill(@Out IntArray target) {
        java.util.Arrays.fill(target.data(), 7);
    }

    public static void main(String[] args) {
        try (Bind bind = Bind.init(new Bind.Context().workers(1))) {
            IntArray a = IntArray.of(4);
            fill(a);
            bind.sync();
            if (a.toArray()[3] == 7) {
                throw new IllegalStateException("thrown after init"); // LINE-MARKER
            }
        }
    }
}
