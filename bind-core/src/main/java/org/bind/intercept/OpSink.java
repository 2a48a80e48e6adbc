package org.bind.intercept;

/** Receives the op calls made by sequential code: the runtime of the calling rank. */
public interface OpSink {
    /** Records a call; throws a clear exception for misuse. Program thread only. */
    void submit(OpMethod method, Object receiver, Object[] arguments);

    /** Finds the sink for the current thread, throwing a clear exception when there is none. */
    @FunctionalInterface
    interface Locator {
        OpSink sinkFor(OpMethod method);
    }
}
