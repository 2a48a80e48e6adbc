package org.bind.dag;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BiConsumer;

import org.bind.OpFailedException;
import org.bind.RemoteOpException;
import org.bind.transport.Messages;
import org.bind.version.Failure;

/**
 * The failures of the current epoch on this rank (ops that threw, transfers that failed), in program order, and
 * their wire form ({@link Messages.Failure}): each is announced to the peers when it happens, and {@code sync()}
 * turns the epoch's failures of every rank into one {@link OpFailedException} with at most
 * {@value #MAX_SUPPRESSED} more suppressed.
 *
 * <p>{@link #record}: workers and the transport's thread. {@link #drain}, {@link #toThrow}: program thread.
 */
final class FailureLedger {
    static final int MAX_SUPPRESSED = 8;

    private final List<Recorded> failures = new ArrayList<>();
    /** Tells the peers about a failure here (the epoch's sequence number travels with it). */
    private final BiConsumer<Failure, Long> announce;

    /** A failure and its position in the program (op sequence; transfers: {@code Long.MAX_VALUE}). */
    record Recorded(long sequence, Failure failure) {
    }

    FailureLedger(BiConsumer<Failure, Long> announce) {
        this.announce = announce;
    }

    /** Records {@code failure} at {@code sequence} and announces it to the peers; returns it. */
    Failure record(long sequence, Failure failure) {
        synchronized (failures) {
            failures.add(new Recorded(sequence, failure));
        }
        announce.accept(failure, sequence);
        return failure;
    }

    /** The failures recorded since the last drain, in program order; the ledger is empty after. */
    List<Recorded> drain() {
        List<Recorded> local;
        synchronized (failures) {
            local = new ArrayList<>(failures);
            failures.clear();
        }
        local.sort(Comparator.comparingLong(Recorded::sequence));
        return local;
    }

    /** The wire form of each of {@code local}. */
    static List<Messages.Failure> toMessages(List<Recorded> local) {
        return local.stream().map(r -> toMessage(r.failure(), r.sequence())).toList();
    }

    /**
     * The exception {@code sync()} throws for the epoch's failures {@code all} (every rank's, ordered), or null
     * when there are none: a failure of this rank is reported with its own cause, a peer's with a
     * {@link RemoteOpException} made of its wire form.
     */
    static OpFailedException toThrow(List<Messages.Failure> all, List<Recorded> local, int rank) {
        if (all.isEmpty()) {
            return null;
        }
        List<Failure> ordered = new ArrayList<>();
        for (Messages.Failure m : all) {
            Failure own = null;
            if (m.rank() == rank) {
                for (Recorded r : local) {
                    if (r.sequence() == m.sequence() && r.failure().opName().equals(m.opName())) {
                        own = r.failure();
                        break;
                    }
                }
            }
            ordered.add(own != null ? own : fromMessage(m));
        }
        return failedOps(ordered);
    }

    /** The exception for {@code failed} (non-empty, first first). */
    static OpFailedException failedOps(List<Failure> failed) {
        Failure first = failed.get(0);
        OpFailedException error = new OpFailedException(first.opName(), first.rank(), first.cause());
        for (int i = 1; i < failed.size() && i <= MAX_SUPPRESSED; i++) {
            Failure other = failed.get(i);
            error.addSuppressed(new OpFailedException(other.opName(), other.rank(), other.cause()));
        }
        return error;
    }

    static Messages.Failure toMessage(Failure failure, long sequence) {
        Throwable cause = failure.cause();
        StringWriter text = new StringWriter();
        if (cause != null) {
            text.append(String.valueOf(cause.getMessage())).append('\n');
            cause.printStackTrace(new PrintWriter(text));
        }
        return new Messages.Failure(sequence, failure.opName(), failure.rank(), failure.epoch(),
            cause == null ? "" : cause.getClass().getName(), text.toString());
    }

    static Failure fromMessage(Messages.Failure message) {
        String text = message.causeText();
        int newline = text.indexOf('\n');
        return new Failure(message.opName(), message.rank(), message.epoch(),
            new RemoteOpException(message.causeClass(), newline < 0 ? text : text.substring(0, newline),
                message.rank()));
    }
}
