package org.bind.dag;

import org.bind.trace.Tracer;
import org.bind.version.MemoryAccount;
import org.bind.version.SpareBuffers;

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

    /** The epoch the program thread is in. */
    long epoch();

    /** Where transfers are traced, or null when the rank writes no trace. */
    default Tracer tracer() {
        return null;
    }

    /**
     * Where a thread without a pool of its own puts the buffer of a version whose last hold it releases (a sent or
     * relayed version), for the workers to reuse; null: such buffers are discarded.
     */
    default SpareBuffers spares() {
        return null;
    }
}
