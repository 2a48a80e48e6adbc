package org.bind.mpi.mpj;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicLongArray;

import org.agrona.ErrorHandler;

/**
 * The one place a rank's MPJ transport reports errors that it survives: each is counted by {@link Kind} and printed
 * once on a line of its own, naming the rank. A worker loop hands its failures here instead of dying silently or
 * printing them itself (Agrona's {@link ErrorHandler}). Any thread.
 */
final class MpjErrors implements ErrorHandler {
    /** What failed. */
    enum Kind {
        /** The runtime's receiver threw on a frame. */
        FRAME_HANDLER("failed to handle a frame"),
        /** The runtime's receiver threw when told of a lost rank. */
        LOSS_REPORT("failed to report a lost rank"),
        /** A watchdog cycle failed. */
        HEARTBEAT("MPJ heartbeat failed"),
        /** Closing did not end cleanly (MPI.Finalize skipped or failing). */
        CLOSE("closed without MPI.Finalize"),
        /** Anything else a loop of the transport caught. */
        OTHER("MPJ transport error");

        private final String what;

        Kind(String what) {
            this.what = what;
        }
    }

    private final int rank;
    private final PrintStream log;
    private final AtomicLongArray counts = new AtomicLongArray(Kind.values().length);

    MpjErrors(int rank, PrintStream log) {
        this.rank = rank;
        this.log = log;
    }

    /** Counts {@code error} as {@link Kind#OTHER} and prints it. */
    @Override
    public void onError(Throwable error) {
        onError(Kind.OTHER, String.valueOf(error));
    }

    /** Counts an error of {@code kind} and prints {@code detail}. */
    void onError(Kind kind, String detail) {
        counts.incrementAndGet(kind.ordinal());
        log.println("bind: rank " + rank + ": " + kind.what + ": " + detail);
    }

    /** How many errors of {@code kind} were reported. */
    long count(Kind kind) {
        return counts.get(kind.ordinal());
    }
}
