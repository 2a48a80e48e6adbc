package org.bind.mpi.launch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/**
 * Forwards the output of the processes a launcher started, line by line, each line whole: one daemon thread per
 * stream, lines written to the target under its monitor so that lines of several ranks never mix. A
 * {@linkplain #forward filter} may rewrite a line or drop it (null).
 */
final class OutputPump {
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    /**
     * Starts a thread that copies {@code stream}'s lines to {@code target}, each passed through {@code filter}
     * (null drops the line) and prefixed with {@code prefix}. Any thread.
     */
    void forward(InputStream stream, PrintStream target, String prefix, UnaryOperator<String> filter, String name) {
        Thread pump = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    String text = filter.apply(line);
                    if (text != null) {
                        synchronized (target) {
                            target.println(prefix + text);
                        }
                    }
                }
            } catch (IOException e) {
                // the process's pipe closed
            }
        }, name);
        pump.setDaemon(true);
        threads.add(pump);
        pump.start();
    }

    /** Copies {@code stream}'s lines unchanged but for {@code prefix}. */
    void forward(InputStream stream, PrintStream target, String prefix, String name) {
        forward(stream, target, prefix, UnaryOperator.identity(), name);
    }

    /** Waits up to {@code timeoutMs} per thread for the streams to end, so that the last lines are forwarded. */
    void drain(long timeoutMs) {
        for (Thread pump : threads) {
            try {
                pump.join(timeoutMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
