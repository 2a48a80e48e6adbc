package org.bind.version;

/**
 * The runtime a versioned object belongs to, as the object sees it from the program: its values read and set
 * there, on the thread that runs the sequential program.
 */
public interface ObjectOwner {
    /** The thread the sequential program runs on. */
    Thread programThread();

    /** Whether the runtime is closed. */
    boolean isClosed();

    /**
     * Waits for the latest version of {@code chain} and returns its buffer (not a copy), or null for a first
     * version nobody wrote. Program thread.
     */
    Object awaitLatest(VersionChain chain);

    /** The program sets a new value of {@code chain} now. Program thread. */
    void writeFromProgram(VersionChain chain, Object buffer);
}
