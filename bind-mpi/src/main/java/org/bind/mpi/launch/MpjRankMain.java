package org.bind.mpi.launch;

import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.bind.dag.LaunchedMain;
import org.bind.intercept.SourceFiles;
import org.bind.mpi.aeron.LauncherWatch;

/**
 * The main class of every rank JVM the launchers start ({@link MpjLauncher} through MPJ Express,
 * {@link ProcessLauncher} directly): runs the program's main class ({@value #MAIN_PROP_NAME}) with the arguments
 * given (under MPJ, MPJ's own first, which {@code Bind.init} strips) as a {@link LaunchedMain}, so that when it
 * throws the other ranks fail naming this rank and the exception. Under MPJ it also records how main ended in the
 * job's status directory ({@value #STATUS_DIR_PROP_NAME}), because MPJ's starter reports success whatever the ranks
 * did: {@code rank-R.status} holds {@code 0} when main returned, {@code 1 <exception>} when it threw. A rank that
 * leaves no status file was killed, crashed, or called {@code System.exit} from main. There it also prints its
 * stacks and exits when the launcher asks, at the job's time limit ({@link StackRequestWatch}).
 *
 * <p>After main returns the JVM exits with status 0 even if threads are left (MPJ's own are), so a finished rank
 * never lingers; with {@value #EXIT_PROP_NAME}{@code =false} it ends as a plain JVM does, when the program's last
 * thread ends. When main throws, the JVM exits with status 1. With {@value #TAG_PROP_NAME} set, every output line
 * starts with {@code [rank R] }.
 */
public final class MpjRankMain {
    public static final String MAIN_PROP_NAME = "bind.launch.main";
    public static final String STATUS_DIR_PROP_NAME = "bind.launch.status.dir";
    public static final String TAG_PROP_NAME = "bind.launch.tag";
    public static final String EXIT_PROP_NAME = "bind.launch.exit";
    /** The launcher's pid and host: a rank on that host exits when the launcher is gone (any signal). */
    public static final String LAUNCHER_PID_PROP_NAME = "bind.launcher.pid";
    public static final String LAUNCHER_HOST_PROP_NAME = "bind.launcher.host";

    private MpjRankMain() {
    }

    /**
     * Starts {@link LauncherWatch} on the launcher {@value #LAUNCHER_PID_PROP_NAME} names when this rank runs on its
     * host ({@value #LAUNCHER_HOST_PROP_NAME}); a rank on another host cannot see the launcher's process.
     */
    private static void watchLauncher(String rank) {
        String pid = System.getProperty(LAUNCHER_PID_PROP_NAME, "").trim();
        String host = System.getProperty(LAUNCHER_HOST_PROP_NAME, "").trim();
        if (pid.isEmpty() || host.isEmpty() || !host.equals(LaunchOptions.localHostName())) {
            return;
        }
        try {
            LauncherWatch.watchPid(Long.parseLong(pid), rank);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(LAUNCHER_PID_PROP_NAME + "='" + pid + "' is not a process id");
        }
    }

    public static void main(String[] args) throws Throwable {
        String mainClass = System.getProperty(MAIN_PROP_NAME, "").trim();
        if (mainClass.isEmpty()) {
            throw new IllegalStateException(MAIN_PROP_NAME + " is not set: MpjRankMain runs the class it names");
        }
        String rank = args.length > 0 && args[0].matches("\\d{1,9}") ? args[0] : "pid" + ProcessHandle.current().pid();
        if (Boolean.getBoolean(TAG_PROP_NAME)) {
            System.setOut(tagged(System.out, "[rank " + rank + "] "));
            System.setErr(tagged(System.err, "[rank " + rank + "] "));
        }
        watchLauncher(rank);
        String statusDir = System.getProperty(STATUS_DIR_PROP_NAME, "").trim();
        Path status = statusDir.isEmpty() ? null : Path.of(statusDir, "rank-" + rank + ".status");
        if (status != null) {
            StackRequestWatch.start(status.getParent(), rank);
            record(status.resolveSibling("rank-" + rank + ".started"), "started");
        }
        MethodHandle found;
        try {
            Class<?> type = Class.forName(mainClass, true, Thread.currentThread().getContextClassLoader() != null
                ? Thread.currentThread().getContextClassLoader() : MpjRankMain.class.getClassLoader());
            found = MethodHandles.publicLookup().findStatic(type, "main", MethodType.methodType(void.class, String[].class));
        } catch (ReflectiveOperationException e) {
            record(status, "1 cannot run " + mainClass + ": " + e);
            System.err.println("bindrun: rank " + rank + " cannot run " + mainClass + ": no public static void main(String[])"
                + " found (" + e + ")");
            System.err.flush();
            System.exit(1);
            return;
        }
        MethodHandle main = found;
        try {
            LaunchedMain.run(() -> {
                main.invokeExact(args); // a statement, so that the exact type is (String[])void
            });
        } catch (Throwable t) {
            Throwable cause = t instanceof InvocationTargetException ? t.getCause() : t;
            System.err.print("Exception in thread \"main\" ");
            SourceFiles.repair(cause).printStackTrace();
            finishOutput();
            record(status, "1 " + cause);
            System.exit(1);
        }
        finishOutput();
        record(status, "0");
        if (!"false".equals(System.getProperty(EXIT_PROP_NAME))) {
            System.exit(0);
        }
    }

    /** Flushes both streams; a tagged stream also ends its last line. */
    private static void finishOutput() {
        for (PrintStream stream : new PrintStream[] {System.out, System.err}) {
            if (stream instanceof TaggedPrintStream) {
                stream.close();
            } else {
                stream.flush();
            }
        }
    }

    /** Writes {@code text} to {@code status} atomically (a reader sees all of it or no file); null: nowhere. */
    private static void record(Path status, String text) {
        if (status != null) {
            StatusDirectory.write(status, text);
        }
    }

    /** A stream that puts {@code prefix} before every line written to {@code target}. */
    static PrintStream tagged(PrintStream target, String prefix) {
        return new TaggedPrintStream(new LinePrefixStream(target, prefix.getBytes(StandardCharsets.UTF_8)));
    }

    private static final class TaggedPrintStream extends PrintStream {
        TaggedPrintStream(LinePrefixStream lines) {
            super(lines, true, StandardCharsets.UTF_8);
        }
    }

    /** Buffers one line at a time and writes it, prefixed, in one call. */
    private static final class LinePrefixStream extends OutputStream {
        private final PrintStream target;
        private final byte[] prefix;
        private byte[] line = new byte[256];
        private int length;

        LinePrefixStream(PrintStream target, byte[] prefix) {
            this.target = target;
            this.prefix = prefix;
        }

        @Override
        public synchronized void write(int b) {
            if (length == line.length) {
                line = java.util.Arrays.copyOf(line, line.length * 2);
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

        @Override
        public void flush() {
            target.flush();
        }

        /** Ends a last line that has no line break. */
        @Override
        public synchronized void close() {
            if (length > 0) {
                write('\n');
            }
            target.flush();
        }

        private void emit() {
            synchronized (target) {
                target.write(prefix, 0, prefix.length);
                target.write(line, 0, length);
                target.flush();
            }
            length = 0;
        }
    }
}
