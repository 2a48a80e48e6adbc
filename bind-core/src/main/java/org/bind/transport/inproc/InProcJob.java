package org.bind.transport.inproc;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.bind.Bind;
import org.bind.BindException;
import org.bind.dag.LaunchedMain;

/**
 * Runs one program on N ranks as threads of this JVM, connected by {@link InProcTransport}s. Each rank's thread
 * calls {@link Bind#init} (which picks up its transport), runs the program, and closes Bind. The program runs as
 * a {@link LaunchedMain}: when it throws on rank k, the others fail naming rank k and the exception; its end of
 * the transport is then reported lost, so that nobody waits for it; the job fails.
 *
 * <pre>{@code
 * InProcJob.run(4, bind -> {
 *     IntArray a = IntArray.of(10);
 *     try (Scope s = bind.on(1)) { Ops.fill(a); }
 *     ...
 * });
 * }</pre>
 */
public final class InProcJob {
    private InProcJob() {
    }

    /** A rank's program, given its initialised {@link Bind}. */
    @FunctionalInterface
    public interface RankProgram {
        void run(Bind bind) throws Exception;
    }

    /** Some ranks failed; {@link #failures()} has each one's exception. */
    public static final class JobFailedException extends BindException {
        private static final long serialVersionUID = 1L;
        private final transient Map<Integer, Throwable> failures;

        JobFailedException(Map<Integer, Throwable> failures) {
            super(describe(failures), failures.values().iterator().next());
            this.failures = failures;
        }

        /** The exception of every failed rank, by rank. */
        public Map<Integer, Throwable> failures() {
            return failures;
        }

        private static String describe(Map<Integer, Throwable> failures) {
            StringBuilder b = new StringBuilder(failures.size() + " rank(s) failed:");
            failures.forEach((rank, error) -> b.append("\n  rank ").append(rank).append(": ").append(error));
            return b.toString();
        }
    }

    /**
     * Runs {@code program} on {@code ranks} ranks with default settings; waits up to {@code timeout}.
     *
     * @throws JobFailedException when any rank throws, naming each
     * @throws BindException      on timeout, after printing every thread's stack
     */
    public static void run(int ranks, long timeout, TimeUnit unit, RankProgram program) {
        run(ranks, Bind.Context::new, timeout, unit, program);
    }

    /** Like {@link #run(int, long, TimeUnit, RankProgram)}, with each rank's settings from {@code settings}. */
    public static void run(int ranks, Supplier<Bind.Context> settings, long timeout, TimeUnit unit,
                           RankProgram program) {
        launch(ranks, settings, timeout, unit, null, (rank, bind) -> program.run(bind));
    }

    /**
     * Runs {@code mainClass}'s {@code main(args)} on {@code ranks} ranks, each rank's application classes in its
     * own class loader over {@code classpath} (so statics are per rank, as with separate processes).
     */
    public static void runMain(int ranks, URL[] classpath, String mainClass, String[] args, Supplier<Bind.Context> settings,
                               long timeout, TimeUnit unit) {
        ClassLoader parent = InProcJob.class.getClassLoader();
        launch(ranks, settings, timeout, unit, rank -> new RankClassLoader(rank, classpath, parent),
            (rank, ignored) -> {
                ClassLoader loader = Thread.currentThread().getContextClassLoader();
                Method main = Class.forName(mainClass, true, loader).getMethod("main", String[].class);
                try {
                    main.invoke(null, (Object) args.clone());
                } catch (InvocationTargetException e) {
                    throw e.getCause() instanceof Exception ex ? ex : new RuntimeException(e.getCause());
                }
            });
    }

    private interface Body {
        void run(int rank, Bind bind) throws Exception;
    }

    private static void launch(int ranks, Supplier<Bind.Context> settings, long timeout, TimeUnit unit,
                               java.util.function.IntFunction<ClassLoader> loaders, Body body) {
        InProcTransport[] ends = InProcTransport.create(ranks);
        long jobId = ThreadLocalRandom.current().nextLong();
        Map<Integer, Throwable> failures = new TreeMap<>();
        Thread[] threads = new Thread[ranks];
        for (int r = 0; r < ranks; r++) {
            int rank = r;
            threads[r] = new Thread(() -> {
                Bind.Context context = settings.get().transport(ends[rank]).jobId(jobId);
                try {
                    // as a launched main, so that the others learn what a throwing program threw
                    if (loaders == null) {
                        LaunchedMain.run(() -> {
                            Bind bind = Bind.init(context);
                            body.run(rank, bind);
                            bind.close();
                        });
                    } else {
                        Thread.currentThread().setContextClassLoader(loaders.apply(rank));
                        Bind.launchContext(context);
                        LaunchedMain.run(() -> {
                            body.run(rank, null);
                            Bind.closeLaunched();
                        });
                    }
                } catch (Throwable t) {
                    synchronized (failures) {
                        failures.put(rank, t);
                    }
                    ends[rank].abort("its program threw " + t);
                } finally {
                    Bind.launchContext(null);
                    ends[rank].close();
                }
            }, "bind-rank-" + r);
            threads[r].start();
        }
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (Thread thread : threads) {
            try {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                thread.join(Math.max(1, left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BindException("interrupted while waiting for the ranks");
            }
            if (thread.isAlive()) {
                dumpThreads();
                for (InProcTransport end : ends) {
                    end.announceLoss("the job timed out after " + timeout + " " + unit.toString().toLowerCase());
                }
                for (Thread rank : threads) {
                    try {
                        rank.join(10_000); // the aborts make every blocking call of every rank fail
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                throw new BindException("in-JVM job of " + ranks + " ranks did not finish within " + timeout + " "
                    + unit.toString().toLowerCase() + "; thread stacks printed to stderr");
            }
        }
        if (!failures.isEmpty()) {
            throw new JobFailedException(failures);
        }
    }

    /** Prints every thread's stack to stderr. */
    public static void dumpThreads() {
        StringBuilder dump = new StringBuilder("---- thread dump ----\n");
        for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            dump.append('"').append(info.getThreadName()).append("\" ").append(info.getThreadState()).append('\n');
            for (StackTraceElement frame : info.getStackTrace()) {
                dump.append("    at ").append(frame).append('\n');
            }
        }
        System.err.print(dump);
    }

}
