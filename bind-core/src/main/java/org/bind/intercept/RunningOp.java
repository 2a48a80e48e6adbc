package org.bind.intercept;

import org.bind.version.Tracked;

/** An op running on the current thread: what its arguments see of it. */
public interface RunningOp {
    /** The op's method. */
    OpMethod method();

    /** The buffer bound to {@code object} in this op, or null when the object is not one of its arguments. */
    Object bufferOf(Tracked object);

    /** Whether this op may write {@code object}. */
    boolean writes(Tracked object);
}
