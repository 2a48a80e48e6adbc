package org.bind.version;

/** Counts the bytes of live version buffers (the submission window's byte budget). Thread safe. */
@FunctionalInterface
public interface MemoryAccount {
    void addBytes(long delta);
}
