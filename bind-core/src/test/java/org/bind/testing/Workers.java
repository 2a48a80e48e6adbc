package org.bind.testing;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/** Finds Bind's worker threads and waits, with a deadline, for them to exit. */
public final class Workers {
    /** Worker threads are named {@code bind-worker-<rank>-<index>}. */
    public static final String NAME_PREFIX = "bind-worker";

    private Workers() {
    }

    /** The live worker threads now. */
    public static Set<Thread> alive() {
        return Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().startsWith(NAME_PREFIX) && t.isAlive())
            .collect(Collectors.toSet());
    }

    /**
     * Waits until no worker thread is alive except those in {@code preexisting}; returns those still alive
     * after {@code limit} (empty on success).
     */
    public static Set<Thread> awaitExitExcept(Set<Thread> preexisting, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            Set<Thread> left = alive();
            left.removeAll(preexisting);
            if (left.isEmpty() || System.nanoTime() - deadline > 0) {
                return left;
            }
            LockSupport.parkNanos(10_000_000L);
        }
    }
}
