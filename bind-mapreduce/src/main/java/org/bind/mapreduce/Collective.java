package org.bind.mapreduce;

import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

import org.bind.Bind;
import org.bind.BindException;
import org.bind.Op;
import org.bind.OpFailedException;

/**
 * The end of a call every rank must make ({@link KVPairs#local()}, the gathers, {@link Sort}): a marker op named
 * after the call, then {@code sync()}. A rank that skips the call submits something else there (or reaches
 * {@code sync()} without the marker), so the runtime's divergence check names the call and the rank instead of a
 * later, vaguer failure. Calls that move data between ranks before their end ({@link Sort}) check first, with
 * {@link #check}: a rank waiting for data from a rank that never made the call would otherwise wait for good.
 *
 * <p>Failures are condensed to one exception per kind of error (failed op and exception class): the same mapper
 * error from every part of every rank is reported once, with its key, not as a list of near-identical suppressed
 * traces.
 *
 * <p>Program thread.
 */
final class Collective {
    /** How a failure from another rank names its exception's class. */
    private static final Pattern REMOTE_CLASS = Pattern.compile("^([\\w.$]+) on rank \\d+: ");

    private Collective() {
    }

    /** Marks {@link KVPairs#local()}. */
    @Op
    static void local() {
        // a marker: its place in every rank's op sequence is what counts
    }

    /** Marks {@link KVPairs#gather(int)}, {@link KVPairs#gatherAll()} and {@link KVPairs#top}. */
    @Op
    static void gather() {
        // a marker
    }

    /** Marks a {@link Sort} call. */
    @Op
    static void sort() {
        // a marker
    }

    /**
     * Submits {@code marker} (one of the ops above, common to every rank), then syncs.
     *
     * @throws OpFailedException when an op failed anywhere: the first failure, each other distinct one suppressed
     * @throws BindException     naming {@code call} when the ranks' programs diverged
     */
    static void sync(Bind bind, String call, Runnable marker) {
        marker.run();
        try {
            bind.sync();
        } catch (OpFailedException e) {
            throw condensed(e);
        } catch (BindException e) {
            String message = e.getMessage();
            if (message != null && message.startsWith("DAG divergence")) {
                throw new BindException(call + " must be called by every rank at the same point of the program: "
                    + message, e);
            }
            throw e;
        }
    }

    /**
     * Submits {@code marker} and syncs before a call moves data: every rank has made the call, or all throw naming
     * it. Also waits for the ops submitted before the call.
     */
    static void check(Bind bind, String call, Runnable marker) {
        sync(bind, call, marker);
    }

    /** The first failure, with only the suppressed failures of another op or exception class than earlier ones. */
    static OpFailedException condensed(OpFailedException e) {
        Set<String> seen = new HashSet<>();
        seen.add(describe(e));
        OpFailedException one = new OpFailedException(e.opName(), e.rank(), e.getCause());
        for (Throwable other : e.getSuppressed()) {
            if (other instanceof OpFailedException failed && !seen.add(describe(failed))) {
                continue;
            }
            one.addSuppressed(other);
        }
        return one;
    }

    private static String describe(OpFailedException e) {
        Throwable cause = e.getCause();
        if (cause == null) {
            return e.opName();
        }
        java.util.regex.Matcher remote = REMOTE_CLASS.matcher(String.valueOf(cause.getMessage()));
        return e.opName() + ": " + (remote.find() && cause instanceof BindException ? remote.group(1)
            : cause.getClass().getName());
    }
}
