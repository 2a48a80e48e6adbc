package org.bind.testing;

import java.io.PrintStream;
import java.util.Comparator;
import java.util.Map;

/** Formats the stacks of every live thread, in full (unlike {@code ThreadInfo.toString}, which stops at 8 frames). */
public final class ThreadDumps {
    private ThreadDumps() {
    }

    /** Every live thread with its state and complete stack. */
    public static String allThreads() {
        StringBuilder out = new StringBuilder();
        Map<Thread, StackTraceElement[]> stacks = Thread.getAllStackTraces();
        stacks.entrySet().stream()
            .sorted(Comparator.comparing(e -> e.getKey().getName()))
            .forEach(e -> {
                Thread t = e.getKey();
                out.append('"').append(t.getName()).append("\" id=").append(t.getId())
                    .append(t.isDaemon() ? " daemon" : "").append(' ').append(t.getState()).append('\n');
                for (StackTraceElement frame : e.getValue()) {
                    out.append("    at ").append(frame).append('\n');
                }
                out.append('\n');
            });
        return out.toString();
    }

    /** Prints a headed dump of every thread to {@code out}. */
    public static void print(String reason, PrintStream out) {
        String dump = "=== thread dump: " + reason + " ===\n" + allThreads() + "=== end of thread dump ===";
        out.println(dump);
        out.flush();
    }
}
