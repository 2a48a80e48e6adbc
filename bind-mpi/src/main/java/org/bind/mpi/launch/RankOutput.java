package org.bind.mpi.launch;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * A rank's {@code System.out} and {@code System.err} made safe for a node that may lose its network: each goes
 * through an {@link OutputForwarder} ({@value #BUFFER_BYTES_PROP_NAME} bytes; when full, a writer waits while the
 * output moves, and once it has been stuck for {@value #STALL_MS_PROP_NAME} ms what does not fit is dropped and
 * counted), optionally
 * with every line prefixed {@code [rank R] }. What is queued is written out before the JVM exits, for at most
 * {@value #DRAIN_MS_PROP_NAME} ms for both streams (default {@value #DRAIN_MS_DEFAULT}): a shutdown hook does it,
 * and {@link #finish} before a launcher's {@code System.exit}.
 *
 * <p>Output the JVM writes itself (a thread dump on SIGQUIT, a crash report) still goes straight to the
 * descriptors.
 */
final class RankOutput {
    public static final String BUFFER_BYTES_PROP_NAME = "bind.launch.output.buffer.bytes";
    public static final long BUFFER_BYTES_DEFAULT = 1 << 20;
    public static final String DRAIN_MS_PROP_NAME = "bind.launch.output.drain.ms";
    public static final long DRAIN_MS_DEFAULT = 2_000;
    public static final String STALL_MS_PROP_NAME = "bind.launch.output.stall.ms";
    public static final long STALL_MS_DEFAULT = 1_000;

    private final OutputForwarder out;
    private final OutputForwarder err;
    private final OutputStream outLines;
    private final OutputStream errLines;
    private final PrintStream outStream;
    private final PrintStream errStream;
    private final long drainMs;
    /** The streams {@link #install} installed in this JVM, for paths that halt it ({@link #finishInstalled}). */
    private static volatile RankOutput installed;
    /** A drain has run out of time: the output is not being read. */
    private volatile boolean stuck;

    private RankOutput(OutputStream outSink, OutputStream errSink, String rank, boolean tag, long bufferBytes,
                       long stallMs, long drainMs) {
        this.out = new OutputForwarder(outSink, "rank " + rank + ": standard output", bufferBytes, stallMs);
        this.err = new OutputForwarder(errSink, "rank " + rank + ": standard error", bufferBytes, stallMs);
        byte[] prefix = ("[rank " + rank + "] ").getBytes(StandardCharsets.UTF_8);
        this.outLines = tag ? new LinePrefixStream(out, prefix) : out;
        this.errLines = tag ? new LinePrefixStream(err, prefix) : err;
        this.outStream = new PrintStream(outLines, true, StandardCharsets.UTF_8);
        this.errStream = new PrintStream(errLines, true, StandardCharsets.UTF_8);
        this.drainMs = drainMs;
    }

    /**
     * Replaces {@code System.out} and {@code System.err} of this JVM (whose rank is {@code rank}, tagged when
     * {@code tag}) and registers the shutdown hook; settings from the system properties above. Main thread, once,
     * before anything else prints.
     */
    static RankOutput install(String rank, boolean tag) {
        long bufferBytes = positive(BUFFER_BYTES_PROP_NAME, BUFFER_BYTES_DEFAULT);
        long drainMs = positive(DRAIN_MS_PROP_NAME, DRAIN_MS_DEFAULT);
        long stallMs = positive(STALL_MS_PROP_NAME, STALL_MS_DEFAULT);
        RankOutput output = of(new FileOutputStream(FileDescriptor.out), new FileOutputStream(FileDescriptor.err),
            rank, tag, bufferBytes, stallMs, drainMs);
        System.setOut(output.outStream);
        System.setErr(output.errStream);
        installed = output;
        Thread hook = new Thread(output::finish, "bind-output-drain");
        Runtime.getRuntime().addShutdownHook(hook);
        return output;
    }

    /** The streams over {@code outSink} and {@code errSink}, not installed (for tests). */
    static RankOutput of(OutputStream outSink, OutputStream errSink, String rank, boolean tag, long bufferBytes,
                         long stallMs, long drainMs) {
        return new RankOutput(outSink, errSink, rank, tag, bufferBytes, stallMs, drainMs);
    }

    PrintStream out() {
        return outStream;
    }

    PrintStream err() {
        return errStream;
    }

    /**
     * Ends a last line that has no line break (tagged streams) and waits, at most the drain time for both streams
     * together, for what is queued to be written; returns whether everything was. Once a wait has run out (nobody
     * reads), later calls do not wait again: the exit path calls this twice (before {@code System.exit} and in the
     * shutdown hook), and a rank that cannot write must not spend its exit deadline waiting for it. Any thread.
     */
    boolean finish() {
        outStream.flush();
        errStream.flush();
        for (OutputStream lines : new OutputStream[] {outLines, errLines}) {
            if (lines instanceof LinePrefixStream tagged) {
                tagged.close();
            }
        }
        long deadlineNs = System.nanoTime() + (stuck ? 0 : TimeUnit.MILLISECONDS.toNanos(drainMs));
        boolean complete = true;
        try {
            for (OutputForwarder forwarder : new OutputForwarder[] {out, err}) {
                long leftMs = Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime()));
                complete &= forwarder.drain(leftMs);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        if (!complete) {
            stuck = true;
        }
        return complete;
    }

    /**
     * {@link #finish} of the installed streams, if any: for a path that halts the JVM ({@code Runtime.halt} runs no
     * hook), so that what it printed last is written first. Any thread.
     */
    static boolean finishInstalled() {
        RankOutput output = installed;
        return output == null || output.finish();
    }

    /** Bytes dropped from standard output and standard error so far. */
    long droppedBytes() {
        return out.droppedBytes() + err.droppedBytes();
    }

    private static long positive(String name, long fallback) {
        String text = System.getProperty(name, "").trim();
        if (text.isEmpty()) {
            return fallback;
        }
        try {
            long value = Long.parseLong(text);
            if (value >= 1) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + "='" + text + "' must be a positive number");
    }

    /**
     * Buffers one line at a time and hands it, prefixed, to the forwarder in one write: a line is queued or dropped
     * whole. {@link #flush} passes a partial line on only when asked to end it ({@link #close}).
     */
    static final class LinePrefixStream extends OutputStream {
        private final OutputStream target;
        private final byte[] prefix;
        private byte[] line = new byte[256];
        private int length;

        LinePrefixStream(OutputStream target, byte[] prefix) {
            this.target = target;
            this.prefix = prefix;
        }

        @Override
        public synchronized void write(int b) {
            if (length == line.length) {
                line = Arrays.copyOf(line, line.length * 2);
            }
            line[length++] = (byte) b;
            if (b == '\n') {
                emit();
            }
        }

        @Override
        public synchronized void write(byte[] bytes, int offset, int count) {
            for (int i = 0; i < count; i++) {
                write(bytes[offset + i]);
            }
        }

        /** Ends a last line that has no line break; the stream stays usable. */
        @Override
        public synchronized void close() {
            if (length > 0) {
                write('\n');
            }
        }

        private void emit() {
            byte[] whole = new byte[prefix.length + length];
            System.arraycopy(prefix, 0, whole, 0, prefix.length);
            System.arraycopy(line, 0, whole, prefix.length, length);
            length = 0;
            try {
                target.write(whole);
            } catch (IOException e) {
                throw new UncheckedIOException(e);   // not thrown: the forwarder never fails a write
            }
        }
    }
}
