package org.bind;

/**
 * A placement scope opened by {@link Bind#on(int)}: ops submitted while it is open run only on its rank.
 * Close it on the thread that opened it, in reverse order of opening (try-with-resources does both).
 */
public interface Scope extends AutoCloseable {
    @Override
    void close();
}
