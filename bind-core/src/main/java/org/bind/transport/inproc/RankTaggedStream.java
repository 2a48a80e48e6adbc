package org.bind.transport.inproc;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Standard output or error for ranks that are threads of one JVM: collects each thread's bytes up to the end of
 * a line and writes the whole line, prefixed {@code [rank k] }, in one piece. The rank comes from the thread's
 * name ({@code bind-rank-k} for a rank's program thread, {@code bind-worker-k-i} for its workers).
 */
final class RankTaggedStream extends OutputStream {
    private final PrintStream target;
    private final ThreadLocal<ByteArrayOutputStream> lines = ThreadLocal.withInitial(ByteArrayOutputStream::new);

    RankTaggedStream(PrintStream target) {
        this.target = target;
    }

    static PrintStream wrap(PrintStream target) {
        return new PrintStream(new RankTaggedStream(target), true, StandardCharsets.UTF_8);
    }

    @Override
    public void write(int b) {
        ByteArrayOutputStream line = lines.get();
        line.write(b);
        if (b == '\n') {
            emit(line);
        }
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
        ByteArrayOutputStream line = lines.get();
        int start = offset;
        for (int i = offset; i < offset + length; i++) {
            if (bytes[i] == '\n') {
                line.write(bytes, start, i + 1 - start);
                emit(line);
                start = i + 1;
            }
        }
        line.write(bytes, start, offset + length - start);
    }

    @Override
    public void flush() {
        target.flush();
    }

    private void emit(ByteArrayOutputStream line) {
        byte[] prefix = ("[" + tag(Thread.currentThread().getName()) + "] ").getBytes(StandardCharsets.UTF_8);
        synchronized (target) {
            target.write(prefix, 0, prefix.length);
            target.write(line.toByteArray(), 0, line.size());
            target.flush();
        }
        line.reset();
    }

    static String tag(String threadName) {
        for (String prefix : new String[] {"bind-rank-", "bind-worker-"}) {
            if (threadName.startsWith(prefix)) {
                int end = prefix.length();
                while (end < threadName.length() && Character.isDigit(threadName.charAt(end))) {
                    end++;
                }
                if (end > prefix.length()) {
                    return "rank " + threadName.substring(prefix.length(), end);
                }
            }
        }
        return "bind";
    }
}
