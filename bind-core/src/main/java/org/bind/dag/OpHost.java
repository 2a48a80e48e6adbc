package org.bind.dag;

import java.util.concurrent.ForkJoinTask;

import org.bind.trace.Tracer;
import org.bind.version.BufferPool;
import org.bind.version.BufferType;
import org.bind.version.Failure;
import org.bind.version.MemoryAccount;

/**
 * What an {@link OpNode} needs from its rank's runtime while it waits, runs and completes: scheduling, buffers,
 * the byte account, the outcome's bookkeeping. Nothing else of the engine is reachable from an op.
 *
 * <p>Workers and completing threads.
 */
interface OpHost extends MemoryAccount {
    /** Records op slices, or null. */
    Tracer tracer();

    /** Whether ops run in checked mode ({@link AccessCheck}). */
    boolean checked();

    /** Hands a ready task to the workers. */
    void schedule(ForkJoinTask<?> task);

    /** A zeroed buffer, recycled when the pool has one; the caller counts its bytes. */
    Object freshBuffer(BufferType<Object> type, BufferPool pool);

    /**
     * A dead buffer of {@code type} with unspecified contents, from the worker's {@code pool} (may be null) or else
     * the rank's shared pool; null when neither has one.
     */
    Object recycledBuffer(BufferType<Object> type, BufferPool pool);

    /** {@code op} threw {@code error}: the failure its outputs carry, recorded for {@code sync()}. */
    Failure onOpFailed(OpNode op, Throwable error);

    /** {@code op} is skipped because an input carries {@code inputFailure}: the failure its outputs carry. */
    Failure onOpSkipped(OpNode op, Failure inputFailure);

    /** A read-write op took its input's buffer over. */
    void countInPlace();

    /** A read-write op copied its input. */
    void countCopy();

    /** The op has finished (run, failed or skipped) and left the window. */
    void onOpDone();
}
