package org.bind.cluster;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Output captured line by line, each line stamped with {@link System#nanoTime()} when its newline arrived: what a
 * launcher prints to one of its streams, readable (and awaitable) while it runs. Thread safe.
 */
final class Lines extends OutputStream {
    /** One line and when it arrived. */
    record Line(long arrivedNs, String text) {
    }

    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private final List<Line> lines = new ArrayList<>();
    private final PrintStream stream = new PrintStream(this, true, StandardCharsets.UTF_8);

    /** The stream to hand to the launcher. */
    PrintStream stream() {
        return stream;
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            lines.add(new Line(System.nanoTime(), partial.toString(StandardCharsets.UTF_8)));
            partial.reset();
            notifyAll();
        } else {
            partial.write(b);
        }
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            write(bytes[i]);
        }
    }

    /** Every complete line so far. */
    synchronized List<Line> lines() {
        return List.copyOf(lines);
    }

    /** The first complete line that matches, if any. */
    synchronized Optional<Line> first(Predicate<String> matcher) {
        return lines.stream().filter(l -> matcher.test(l.text())).findFirst();
    }

    /** Waits at most {@code limit} until {@code count} complete lines match; returns whether they did. */
    synchronized boolean await(Predicate<String> matcher, int count, Duration limit) throws InterruptedException {
        long deadlineNs = System.nanoTime() + limit.toNanos();
        while (lines.stream().filter(l -> matcher.test(l.text())).count() < count) {
            long leftNs = deadlineNs - System.nanoTime();
            if (leftNs <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, leftNs);
        }
        return true;
    }

    /** Everything captured, the unfinished last line included. */
    synchronized String text() {
        StringBuilder text = new StringBuilder();
        for (Line line : lines) {
            text.append(line.text()).append('\n');
        }
        return text.append(partial.toString(StandardCharsets.UTF_8)).toString();
    }
}
