package org.bind.bench;

import java.util.concurrent.TimeUnit;

import org.bind.Bind;
import org.bind.IntArray;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-op figures of {@link OverheadBenchmark} under JMH: batches of {@value #BATCH} ops submitted, then one
 * {@code sync()}, reported per op. Run with the agent on the command line (JMH's forks inherit it):
 *
 * <pre>
 * java -javaagent:byte-buddy-agent.jar -cp CLASSPATH org.openjdk.jmh.Main OpOverheadJmh
 * </pre>
 *
 * <p>The state is per thread because {@code Bind.init} binds the sequential program to the thread that calls
 * it: JMH runs a thread-scoped setup on the benchmark thread.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(OpOverheadJmh.BATCH)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class OpOverheadJmh {
    static final int BATCH = 10_000;

    @Param({"2"})
    int workers;

    private Bind bind;
    private IntArray counter;
    private ForkJoinBaseline forkJoin;

    @Setup(Level.Trial)
    public void setUp() {
        bind = Bind.init(new Bind.Context().workers(workers));
        counter = IntArray.of(1);
        forkJoin = new ForkJoinBaseline(workers);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        bind.close();
        forkJoin.close();
    }

    /** Independent empty ops. */
    @Benchmark
    public void emptyOps() {
        for (int i = 0; i < BATCH; i++) {
            OverheadOps.empty(i);
        }
        bind.sync();
    }

    /** Read-write ops on one small array, each waiting for the previous one. */
    @Benchmark
    public void dependentChain() {
        for (int i = 0; i < BATCH; i++) {
            OverheadOps.increment(counter);
        }
        bind.sync();
    }

    /** The baseline: a balanced fork/join tree of empty tasks on a pool of the same parallelism. */
    @Benchmark
    public long forkJoinTree() {
        return forkJoin.tree(BATCH);
    }
}
