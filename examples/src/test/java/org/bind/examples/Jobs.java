package org.bind.examples;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.bind.Bind;
import org.bind.transport.inproc.InProcJob;

/** Runs examples on several in-JVM ranks and collects what each rank returns or prints. */
final class Jobs {
    static final long TIMEOUT_SECONDS = 45;

    private Jobs() {
    }

    /** Runs {@code example} on {@code ranks} ranks; element r of the result is what rank r returned. */
    static <T> Object[] run(int ranks, Function<Bind, T> example) {
        Object[] results = new Object[ranks];
        InProcJob.run(ranks, TIMEOUT_SECONDS, TimeUnit.SECONDS, bind -> {
            T result = example.apply(bind);
            synchronized (results) {
                results[bind.rank()] = result;
            }
        });
        synchronized (results) {
            return results.clone();
        }
    }

    /**
     * Runs {@code mainClass.main(args)} on {@code ranks} ranks, each with its own class loader over the examples'
     * classes, and returns everything printed to {@code System.out} meanwhile.
     */
    static String runMain(Class<?> mainClass, int ranks, String... args) {
        URL classes = mainClass.getProtectionDomain().getCodeSource().getLocation();
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream tee = new PrintStream(new TeeStream(captured, original), true, StandardCharsets.UTF_8);
        System.setOut(tee);
        try {
            InProcJob.runMain(ranks, new URL[] {classes}, mainClass.getName(), args, Bind.Context::new,
                TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } finally {
            System.setOut(original);
            tee.flush();
        }
        synchronized (captured) {
            return captured.toString(StandardCharsets.UTF_8);
        }
    }

    /** Writes to a buffer and to the original stream. */
    private static final class TeeStream extends java.io.OutputStream {
        private final ByteArrayOutputStream buffer;
        private final PrintStream original;

        TeeStream(ByteArrayOutputStream buffer, PrintStream original) {
            this.buffer = buffer;
            this.original = original;
        }

        @Override
        public void write(int b) {
            synchronized (buffer) {
                buffer.write(b);
            }
            original.write(b);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            synchronized (buffer) {
                buffer.write(bytes, offset, length);
            }
            original.write(bytes, offset, length);
        }

        @Override
        public void flush() {
            original.flush();
        }
    }
}
