package org.bind.examples;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;

import org.bind.Bind;
import org.bind.DoubleArray;
import org.bind.In;
import org.bind.Op;
import org.bind.Out;
import org.bind.dag.Counters;

/**
 * Gravitational N-body simulation, written as a sequential program over blocks of bodies.
 *
 * <p>Each time step submits, for every block {@code i}, one {@code accumulate(i, j)} op per block {@code j} (the
 * pull of block {@code j} on block {@code i}), then one {@code advance(i)} op. Bind runs them in parallel:
 * accumulations into different blocks are independent, those into one block run in program order (each updates
 * the block's acceleration), and {@code advance(i)} writes a new version of block {@code i} while the
 * accumulations that read its old positions may still be running. The same kernels then run in a plain loop;
 * both runs must give bit-identical bodies.
 *
 * <p>Usage: {@code nbody [bodies [steps [block]]]}; the last output line reads
 * {@code RESULT nbody workers=2 seconds=... sequential_seconds=... speedup=... check=ok}.
 */
public final class NBody {
    static final String USAGE = "usage: nbody [bodies [steps [block]]]   (defaults: "
        + Problem.DEFAULT_BODIES + " " + Problem.DEFAULT_STEPS + " " + Problem.DEFAULT_BLOCK + ")";

    private NBody() {
    }

    /**
     * The size of a run.
     *
     * @param bodies number of bodies
     * @param steps  time steps
     * @param block  bodies per block (the last block may be smaller)
     * @param dt     time step
     * @param seed   seed of the initial cluster
     */
    public record Problem(int bodies, int steps, int block, double dt, long seed) {
        static final int DEFAULT_BODIES = 4096;
        static final int DEFAULT_STEPS = 24;
        static final int DEFAULT_BLOCK = 256;
        static final double DEFAULT_DT = 1e-3;
        static final long DEFAULT_SEED = 42;

        public Problem {
            if (bodies < 1) {
                throw new IllegalArgumentException("bodies " + bodies + " must be at least 1");
            }
            if (steps < 0) {
                throw new IllegalArgumentException("steps " + steps + " must not be negative");
            }
            if (block < 1) {
                throw new IllegalArgumentException("block " + block + " must be at least 1");
            }
        }

        public Problem(int bodies, int steps, int block) {
            this(bodies, steps, block, DEFAULT_DT, DEFAULT_SEED);
        }

        /** Parses {@code [bodies [steps [block]]]}; {@link IllegalArgumentException} names a bad value. */
        public static Problem parse(String... args) {
            if (args.length > 3) {
                throw new IllegalArgumentException("too many arguments: " + String.join(" ", args));
            }
            int bodies = args.length > 0 ? positive("bodies", args[0]) : DEFAULT_BODIES;
            int steps = args.length > 1 ? positive("steps", args[1]) : DEFAULT_STEPS;
            int block = args.length > 2 ? positive("block", args[2]) : DEFAULT_BLOCK;
            return new Problem(bodies, steps, block);
        }

        private static int positive(String name, String text) {
            int value;
            try {
                value = Integer.parseInt(text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " '" + text + "' is not an integer", e);
            }
            if (value < 1) {
                throw new IllegalArgumentException(name + " " + value + " must be at least 1");
            }
            return value;
        }

        public int blocks() {
            return (bodies + block - 1) / block;
        }

        int blockStart(int b) {
            return b * block;
        }

        int blockLength(int b) {
            return Math.min(block, bodies - b * block);
        }
    }

    /**
     * Bodies ({@code [x.., y.., z.., mass..]}) and velocities ({@code [x.., y.., z..]}), block by block.
     */
    public record State(double[][] bodies, double[][] velocities) {
        /** The initial cluster of {@code problem}, split into its blocks. */
        public static State initial(Problem problem) {
            double[] cluster = NBodyKernels.cluster(problem.bodies(), problem.seed());
            int n = problem.bodies();
            double[][] bodies = new double[problem.blocks()][];
            double[][] velocities = new double[problem.blocks()][];
            for (int b = 0; b < problem.blocks(); b++) {
                int start = problem.blockStart(b);
                int length = problem.blockLength(b);
                bodies[b] = new double[4 * length];
                velocities[b] = new double[3 * length];
                for (int f = 0; f < 4; f++) {
                    System.arraycopy(cluster, f * n + start, bodies[b], f * length, length);
                }
                for (int f = 0; f < 3; f++) {
                    System.arraycopy(cluster, (4 + f) * n + start, velocities[b], f * length, length);
                }
            }
            return new State(bodies, velocities);
        }

        /** True when both states hold exactly the same numbers. */
        public boolean sameAs(State other) {
            return Arrays.deepEquals(bodies, other.bodies) && Arrays.deepEquals(velocities, other.velocities);
        }
    }

    /** The ops: thin wrappers that hand the versions' arrays to {@link NBodyKernels}. */
    static final class Ops {
        private Ops() {
        }

        @Op
        static void load(@Out DoubleArray target, double[] values) {
            System.arraycopy(values, 0, target.data(), 0, values.length);
        }

        @Op
        static void clear(@Out DoubleArray acc) {
            Arrays.fill(acc.data(), 0.0);
        }

        @Op
        static void accumulate(@In DoubleArray bi, @In DoubleArray bj, DoubleArray acc) {
            NBodyKernels.accumulate(bi.data(), bj.data(), acc.data());
        }

        @Op
        static void advance(DoubleArray bodies, DoubleArray velocities, @In DoubleArray acc, double dt) {
            NBodyKernels.advance(bodies.data(), velocities.data(), acc.data(), dt);
        }
    }

    /**
     * Runs {@code problem} from {@code initial} as ops on the calling thread's Bind instance and returns the final
     * state. Program thread only.
     */
    public static State simulateWithBind(Problem problem, State initial) {
        Bind bind = Bind.current();
        int blocks = problem.blocks();
        DoubleArray[] bodies = new DoubleArray[blocks];
        DoubleArray[] velocities = new DoubleArray[blocks];
        DoubleArray[] acc = new DoubleArray[blocks];
        for (int b = 0; b < blocks; b++) {
            bodies[b] = DoubleArray.of(initial.bodies()[b].length);
            velocities[b] = DoubleArray.of(initial.velocities()[b].length);
            acc[b] = DoubleArray.of(initial.velocities()[b].length);
            Ops.load(bodies[b], initial.bodies()[b]);
            Ops.load(velocities[b], initial.velocities()[b]);
        }
        for (int step = 0; step < problem.steps(); step++) {
            for (int i = 0; i < blocks; i++) {
                Ops.clear(acc[i]);
                for (int j = 0; j < blocks; j++) {
                    Ops.accumulate(bodies[i], bodies[j], acc[i]);
                }
            }
            for (int i = 0; i < blocks; i++) {
                Ops.advance(bodies[i], velocities[i], acc[i], problem.dt());
            }
        }
        bind.sync();
        double[][] finalBodies = new double[blocks][];
        double[][] finalVelocities = new double[blocks][];
        for (int b = 0; b < blocks; b++) {
            finalBodies[b] = bodies[b].toArray();
            finalVelocities[b] = velocities[b].toArray();
        }
        return new State(finalBodies, finalVelocities);
    }

    /** The same program as {@link #simulateWithBind}, as a plain loop calling the kernels directly. */
    public static State simulateSequentially(Problem problem, State initial) {
        int blocks = problem.blocks();
        double[][] bodies = new double[blocks][];
        double[][] velocities = new double[blocks][];
        double[][] acc = new double[blocks][];
        for (int b = 0; b < blocks; b++) {
            bodies[b] = initial.bodies()[b].clone();
            velocities[b] = initial.velocities()[b].clone();
            acc[b] = new double[velocities[b].length];
        }
        for (int step = 0; step < problem.steps(); step++) {
            for (int i = 0; i < blocks; i++) {
                Arrays.fill(acc[i], 0.0);
                for (int j = 0; j < blocks; j++) {
                    NBodyKernels.accumulate(bodies[i], bodies[j], acc[i]);
                }
            }
            for (int i = 0; i < blocks; i++) {
                NBodyKernels.advance(bodies[i], velocities[i], acc[i], problem.dt());
            }
        }
        return new State(bodies, velocities);
    }

    public static void main(String[] args) {
        int status;
        try (Bind bind = Bind.init(args)) {
            status = run(bind, bind.args(), System.out, System.err);
        }
        if (status != 0) {
            System.exit(status);
        }
    }

    /**
     * Parses {@code args}, warms up, times the Bind run and the sequential run, compares them and prints the
     * report. Returns the exit status: 0, 1 when the results differ, 2 for bad arguments. Program thread only.
     */
    static int run(Bind bind, String[] args, PrintStream out, PrintStream err) {
        Problem problem;
        try {
            problem = Problem.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("nbody: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        String workers = bind.workers() + (bind.workers() == 1 ? " worker" : " workers");
        out.printf(Locale.ROOT, "nbody: %d bodies in %d blocks of up to %d, %d steps, %s%n",
            problem.bodies(), problem.blocks(), problem.block(), problem.steps(), workers);

        // Warm-up: compiles the kernels and the runtime's paths before anything is timed.
        Problem warmUp = new Problem(Math.min(problem.bodies(), 4 * problem.block()), 2, problem.block());
        State warmUpStart = State.initial(warmUp);
        for (int round = 0; round < 3; round++) {
            simulateSequentially(warmUp, warmUpStart);
            simulateWithBind(warmUp, warmUpStart);
        }

        State initial = State.initial(problem);
        long start = System.nanoTime();
        State sequential = simulateSequentially(problem, initial);
        double sequentialSeconds = (System.nanoTime() - start) / 1e9;
        out.printf(Locale.ROOT, "  %-18s %8.3f s%n", "sequential loop", sequentialSeconds);

        Counters before = bind.counters();
        start = System.nanoTime();
        State parallel = simulateWithBind(problem, initial);
        double seconds = (System.nanoTime() - start) / 1e9;
        Counters after = bind.counters();
        double speedup = sequentialSeconds / seconds;
        out.printf(Locale.ROOT, "  %-18s %8.3f s   speed-up %.2fx   (%d ops, %d steals)%n",
            "bind, " + workers, seconds, speedup, after.opsRun() - before.opsRun(), after.steals() - before.steals());

        double energyStart = NBodyKernels.energy(initial.bodies(), initial.velocities());
        double energyEnd = NBodyKernels.energy(parallel.bodies(), parallel.velocities());
        out.printf(Locale.ROOT, "  energy %.9f -> %.9f (relative change %.1e)%n", energyStart, energyEnd,
            Math.abs((energyEnd - energyStart) / energyStart));

        boolean same = parallel.sameAs(sequential);
        out.println("  bind and sequential results identical: " + (same ? "yes" : "NO"));
        out.printf(Locale.ROOT, "RESULT nbody workers=%d seconds=%.3f sequential_seconds=%.3f speedup=%.2f check=%s%n",
            bind.workers(), seconds, sequentialSeconds, speedup, same ? "ok" : "FAILED");
        return same ? 0 : 1;
    }
}
