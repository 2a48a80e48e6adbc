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

    /**
     * A reference array of {@code length} for the next call's arguments, all null: one the sink got back from a
     * finished call, or a new one. Program thread only.
     */
    default Object[] referenceArray(int length) {
        return new Object[length];
    }

    /** A primitive array of {@code length} for the next call's arguments (its contents are overwritten). */
    default long[] primitiveArray(int length) {
        return new long[length];
    }

    /** Finds the sink for the current thread, throwing a clear exception when there is none. */
    @FunctionalInterface
    interface Locator {
        OpSink sinkFor(OpMethod method);
    }
}
