package org.bind;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/** Ops of a class that {@link PreloadedOpsMain} loads and initialises before {@code Bind.init}. */
final class PreloadedOps {
    static volatile boolean touched;

    private PreloadedOps() {
    }

    /** A plain static method: calling it loads and initialises the class. */
    static void touch() {
        touched = true;
    }

    /** Waits until the program has returned from the call, so it cannot be running inline on the program thread. */
    @Op
    static void record(@Out IntArray target, int value, @ByRef AtomicReference<String> thread,
                       @ByRef CountDownLatch callReturned) throws InterruptedException, TimeoutException {
        thread.set(Thread.currentThread().getName());
        if (!callReturned.await(20, TimeUnit.SECONDS)) {
            throw new TimeoutException("the program did not return from the op call");
        }
        java.util.Arrays.fill(target.data(), value);
    }

    @Op
    static void takesList(IntArray target, List<String> names) {
        target.data()[0] = names.size();
    }
}
