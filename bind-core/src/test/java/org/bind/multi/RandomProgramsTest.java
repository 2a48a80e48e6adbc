package org.bind.multi;

import java.util.concurrent.TimeUnit;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.lifecycle.PerProperty;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;
import org.bind.Bind;
import org.bind.transport.inproc.InProcJob;

/**
 * Random programs on 1 to 4 in-JVM ranks compute bit for bit what their kernels compute run sequentially on
 * plain arrays, whatever the placement of each op, and every array can be read exactly on the ranks that hold
 * its latest version.
 *
 * <p>{@value #TRIES_PROP_NAME} sets the number of programs (default {@value #TRIES_DEFAULT}). Each program has
 * {@value #JOB_TIMEOUT_S} s before its job is declared hung (thread stacks are printed); the whole property has
 * a budget of two seconds per program, after which the stacks are printed and the remaining tries fail.
 */
class RandomProgramsTest {
    static final String TRIES_PROP_NAME = "bind.test.multi.tries";
    static final int TRIES_DEFAULT = 300;
    static final long JOB_TIMEOUT_S = 30;

    @Property(edgeCases = EdgeCasesMode.NONE)
    @PerProperty(Budget.class)
    void shouldComputeWhatTheSequentialOracleComputesOnEveryRank(@ForAll("programs") RandomProgram program) {
        Budget.checkNotExpired();
        RandomProgram.Setup setup = program.setup();
        PerRank<Traffic> traffic = new PerRank<>(setup.ranks());
        InProcJob.run(setup.ranks(), () -> new Bind.Context().workers(setup.workers()).chunkBytes(setup.chunkBytes())
                .windowOps(setup.windowOps()), JOB_TIMEOUT_S, TimeUnit.SECONDS,
            bind -> {
                new ProgramRun(bind, program).run();
                traffic.put(bind.rank(), Traffic.of(bind));
            });
        long moved = Traffic.sumReceived(traffic);
        Statistics.label("ranks").collect(setup.ranks());
        Statistics.label("versions moved").collect(moved == 0 ? "none" : moved < 10 ? "1-9" : "10+");
        Statistics.label("versions moved").coverage(check -> {
            check.check("none").percentage(p -> p <= 40);
            check.check("10+").percentage(p -> p >= 40);
        });
    }

    @Provide
    Arbitrary<RandomProgram> programs() {
        return RandomProgram.arbitrary();
    }

    /** Sets the number of tries from {@value #TRIES_PROP_NAME} and watches the property's wall-clock budget. */
    static final class Budget implements PerProperty.Lifecycle {
        private static volatile boolean expired;
        private Thread watchdog;

        @Override
        public void before(PropertyLifecycleContext context) {
            int tries = Integer.getInteger(TRIES_PROP_NAME, TRIES_DEFAULT);
            context.attributes().setTries(tries);
            long budgetMs = Math.max(180_000L, tries * 2_000L);
            expired = false;
            watchdog = new Thread(() -> {
                try {
                    Thread.sleep(budgetMs);
                } catch (InterruptedException e) {
                    return;
                }
                expired = true;
                System.err.println("---- " + context.extendedLabel() + " ran past its budget of " + budgetMs + " ms");
                InProcJob.dumpThreads();
            }, "random-programs-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
        }

        @Override
        public void after(PropertyExecutionResult result) {
            watchdog.interrupt();
        }

        static void checkNotExpired() {
            if (expired) {
                throw new AssertionError("the property ran past its time budget; thread stacks printed to stderr");
            }
        }
    }
}
