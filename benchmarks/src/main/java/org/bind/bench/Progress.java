package org.bind.bench;

import java.io.PrintStream;
import java.util.function.LongSupplier;

/**
 * A progress line on stderr for long phases: {@code "  stencil d=2 us, rep 3/5: 41,000 done / 48,000 submitted"},
 * rewritten in place with {@code \r} once a second, from the second second on, and erased when the phase ends,
 * so short phases print nothing.
 *
 * <p>{@link #repetition} and {@link #submitted}: the program thread only ({@code submitted} is one volatile
 * store: call it every few hundred ops). The line is written by a daemon thread.
 */
final class Progress implements AutoCloseable {
    private static final long PERIOD_MS = 1_000;

    private final String phase;
    private final LongSupplier totalDone;
    private final PrintStream out;
    private final Thread printer;
    private volatile String repetition = "";
    private volatile long doneBefore;
    private volatile long submitted;
    private boolean stopped;
    private int printedLength;

    private Progress(String phase, LongSupplier totalDone, PrintStream out) {
        this.phase = phase;
        this.totalDone = totalDone;
        this.out = out;
        this.doneBefore = totalDone.getAsLong();
        this.printer = out == null ? null : new Thread(this::print, "progress");
        if (printer != null) {
            printer.setDaemon(true);
        }
    }

    /**
     * Starts reporting {@code phase}. {@code totalDone} counts ops finished since some fixed point (the
     * runtime's counter); it is read on the printer thread and must be thread safe.
     */
    static Progress start(String phase, LongSupplier totalDone) {
        Progress progress = new Progress(phase, totalDone, System.err);
        progress.printer.start();
        return progress;
    }

    /** A progress that prints nothing, for phases whose ops are not counted. */
    static Progress silent() {
        return new Progress("", () -> 0, null);
    }

    /** A new repetition begins: counts restart from zero. Program thread. */
    void repetition(int number, int of) {
        doneBefore = totalDone.getAsLong();
        submitted = 0;
        repetition = ", rep " + number + "/" + of;
    }

    /** How many ops the program has submitted so far in this repetition. Program thread. */
    void submitted(long ops) {
        submitted = ops;
    }

    private void print() {
        try {
            while (true) {
                Thread.sleep(PERIOD_MS);
                synchronized (this) {
                    if (stopped) {
                        return;
                    }
                    String line = String.format("\r  %s%s: %,d done / %,d submitted", phase, repetition,
                        totalDone.getAsLong() - doneBefore, submitted);
                    out.print(pad(line));
                    out.flush();
                    printedLength = line.length();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String pad(String line) {
        int missing = printedLength - line.length();
        return missing > 0 ? line + " ".repeat(missing) : line;
    }

    /** Stops the printer and erases its line. */
    @Override
    public void close() {
        if (printer == null) {
            return;
        }
        synchronized (this) {
            stopped = true;
            if (printedLength > 0) {
                out.print("\r" + " ".repeat(printedLength) + "\r");
                out.flush();
            }
        }
        printer.interrupt();
    }
}
