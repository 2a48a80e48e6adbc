package org.bind.mpi.aeron;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Prints a rank's transport errors with repeats rate-limited: the first error of a kind (its class and message) is
 * printed at once; the same error again within {@code windowNs} of the last line printed for it is only counted,
 * and the next one after the window prints the count ("bind: rank 1 Aeron error (and 4212 more like it in the last
 * 10 s): ..."). After a partition a driver reports every failed send, thousands a second: printed one by one they
 * flood the rank's output, which may be the very pipe that cannot drain. At most {@value #MAX_KINDS} kinds are
 * remembered; beyond that the oldest is forgotten (and may print again).
 *
 * <p>Any thread (the media driver's and the client's threads report errors concurrently).
 */
final class ErrorLog {
    static final int MAX_KINDS = 64;

    private final String prefix;
    private final long windowNs;
    private final Supplier<PrintStream> target;
    private final Map<String, Kind> kinds = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Kind> eldest) {
            return size() > MAX_KINDS;
        }
    };

    /** Lines start with {@code prefix} ("bind: rank 1 Aeron error"); printed to {@code target}'s stream of the time. */
    ErrorLog(String prefix, long windowNs, Supplier<PrintStream> target) {
        this.prefix = prefix;
        this.windowNs = windowNs;
        this.target = target;
    }

    /** Prints or counts {@code error} seen at {@code nowNs}; returns whether it printed a line. */
    boolean onError(Throwable error, long nowNs) {
        String key = error.getClass().getName() + ": " + error.getMessage();
        long suppressed;
        synchronized (kinds) {
            Kind kind = kinds.get(key);
            if (kind != null && nowNs - kind.printedNs < windowNs) {
                kind.suppressed++;
                return false;
            }
            suppressed = kind == null ? 0 : kind.suppressed;
            Kind fresh = kind == null ? new Kind() : kind;
            fresh.printedNs = nowNs;
            fresh.suppressed = 0;
            kinds.put(key, fresh);
        }
        target.get().println(prefix + (suppressed == 0 ? "" : " (and " + suppressed + " more like it in the last "
            + TimeUnit.NANOSECONDS.toSeconds(windowNs) + " s)") + ": " + error);
        return true;
    }

    /** Times the same error was counted and not printed since its last line. */
    long suppressed(Throwable error) {
        synchronized (kinds) {
            Kind kind = kinds.get(error.getClass().getName() + ": " + error.getMessage());
            return kind == null ? 0 : kind.suppressed;
        }
    }

    private static final class Kind {
        long printedNs;
        long suppressed;
    }
}
