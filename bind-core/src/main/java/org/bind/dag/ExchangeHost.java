package org.bind.dag;

import org.bind.trace.Tracer;
import org.bind.version.BufferPool;
import org.bind.version.MemoryAccount;

/**
 * What {@link Exchange} needs from its rank's runtime: the window's in-flight count for the transfers it plans,
 * the byte account, the epoch, and where a failed transfer is reported.
 *
 * <p>Program thread (planning), the sending threads (sends), the transport's thread (receives).
 */
interface ExchangeHost extends MemoryAccount {
    /** A transfer entered the window; {@code sync()} waits for it. */
    void enterInFlight();

    /** A transfer left the window. */
    void leaveInFlight();

    /** A transfer failed (encoding, sending, decoding): reported at {@code sync()} like an op failure. */
    void onTransferFailed(String what, Throwable error);

    /**
     * The rank's shared pool of dead version buffers ({@link BufferPool#shared}): a version whose last hold a send,
     * a relay or the program thread releases goes there, and received versions land in its buffers. Any thread.
     */
    BufferPool sharedPool();

    /** The epoch the program thread is in. */
    long epoch();

    /** Where transfers are traced, or null when the rank writes no trace. */
    default Tracer tracer() {
        return null;
    }
}
