package org.bind.intercept;

/** Receives the op calls made by sequential code: the runtime of the calling rank. */
public interface OpSink {
    /**
     * Records a call; throws a clear exception for misuse. {@code references} holds the reference arguments at
     * their parameter's index (null at primitive ones), {@code primitives} the primitive ones as {@link OpCall}
     * stores them; either is empty when the method has no parameter of that sort. The sink owns both arrays.
     * Program thread only.
     */
    void submit(OpMethod method, Object receiver, Object[] references, long[] primitives);

    /** Finds the sink for the current thread, throwing a clear exception when there is none. */
    @FunctionalInterface
    interface Locator {
        OpSink sinkFor(OpMethod method);
    }
}
