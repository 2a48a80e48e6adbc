package org.bind.intercept;

/**
 * One op call being recorded: the code woven into an {@code @Op} method passes its arguments here typed, one
 * {@code with} per parameter in order, then {@link #submit}s. Primitives go into a {@code long[]} (floats and
 * doubles by their bits), references into an {@code Object[]}, each at the parameter's index; neither is boxed.
 * The arrays are fresh per call (an op node keeps them until it runs); methods without primitive (or without
 * reference) parameters share an empty array instead.
 *
 * <p>One instance per thread, reused; called by woven code only, so it is public; not for users.
 */
public final class OpCall {
    private static final Object[] NO_REFERENCES = new Object[0];
    private static final long[] NO_PRIMITIVES = new long[0];

    private OpSink sink;
    private OpMethod method;
    private Object receiver;
    private Object[] references;
    private long[] primitives;
    private int next;

    OpCall() {
    }

    /** Starts recording a call of {@code called} on {@code self} (null for static ops). */
    OpCall start(OpMethod called, Object self, OpSink target) {
        int arity = called.parameterCount();
        sink = target;
        method = called;
        receiver = self;
        references = called.referenceParameters() ? new Object[arity] : NO_REFERENCES;
        primitives = called.primitiveParameters() ? new long[arity] : NO_PRIMITIVES;
        next = 0;
        return this;
    }

    /** The next argument, an int, short, byte or char. */
    public OpCall with(int value) {
        primitives[next++] = value;
        return this;
    }

    public OpCall with(long value) {
        primitives[next++] = value;
        return this;
    }

    public OpCall with(float value) {
        primitives[next++] = Float.floatToRawIntBits(value);
        return this;
    }

    public OpCall with(double value) {
        primitives[next++] = Double.doubleToRawLongBits(value);
        return this;
    }

    public OpCall with(boolean value) {
        primitives[next++] = value ? 1 : 0;
        return this;
    }

    public OpCall with(Object value) {
        references[next++] = value;
        return this;
    }

    /** Records the call with the arguments given; throws a clear exception for misuse. */
    public void submit() {
        OpSink target = sink;
        OpMethod called = method;
        Object self = receiver;
        Object[] objects = references;
        long[] values = primitives;
        sink = null; // cleared first: the sink may run user code (a record's accessors), which may call ops
        method = null;
        receiver = null;
        references = null;
        primitives = null;
        target.submit(called, self, objects, values);
    }
}
