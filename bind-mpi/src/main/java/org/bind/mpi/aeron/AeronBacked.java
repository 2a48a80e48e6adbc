package org.bind.mpi.aeron;

/**
 * A transport whose frames travel over an {@link AeronTransport} it wraps (MPJ Express as the bootstrap, Aeron as the
 * data plane): gives access to that transport's counters ({@link AeronTransport#droppedMessages()} and the others).
 */
public interface AeronBacked {
    /** The Aeron transport that carries the frames. Any thread. */
    AeronTransport aeron();
}
