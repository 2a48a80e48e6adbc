package org.bind.bench;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.bind.Bind;
import org.bind.DoubleArray;
import org.bind.In;
import org.bind.Op;
import org.bind.Scope;
import org.bind.transport.Transport;

/**
 * What one rank of a P-rank job pays on its program thread for the ops of the whole job. Every rank records every
 * op (the model's global view); this measures how that cost grows with P. One JVM plays one rank (the middle
 * one) of a P-rank job whose peers are simulated by a transport that swallows what is sent and never delivers
 * anything: the ops placed here whose inputs come from other ranks then simply stay pending, and nothing is ever
 * synced; only recording is measured.
 *
 * <p>The program is a 2-D five-point stencil over P x 64 tiles, tile row i owned by rank i: per step one op per
 * tile, placed on its owner, reading its four neighbours and updating itself. Per P, about {@code --ops} ops are
 * recorded (steps = ops / (64 P)); the program thread's CPU time per op (its own CPU clock, so that other load
 * on the machine does not count) is reported for ops placed on this rank and for ops placed elsewhere, medians
 * over {@code --reps} repetitions after one warm-up.
 *
 * <p>Last line: {@code RESULT scale p_max=.. ns_per_op_p2=.. ns_per_op_p<max>=.. growth=..} (all ops, per op
 * recorded; growth = the largest P's figure over P=2's).
 */
public final class ScaleBenchmark {
    private static final int TILES_PER_RANK = 64;
    private static final int TILE_DOUBLES = 16;
    private static final java.lang.management.ThreadMXBean THREAD = ManagementFactory.getThreadMXBean();

    static final class Ops {
        private Ops() {
        }

        @Op
        static void stencil(@In DoubleArray west, @In DoubleArray east, @In DoubleArray north, @In DoubleArray south,
                            DoubleArray centre) {
            double[] c = centre.data();
            double[] w = west.data();
            double[] e = east.data();
            double[] n = north.data();
            double[] s = south.data();
            for (int i = 0; i < c.length; i++) {
                c[i] = 0.2 * (c[i] + w[i] + e[i] + n[i] + s[i]);
            }
        }
    }

    private record Cost(double ownNs, double elsewhereNs, double allNs, long ops) {
    }

    public static void main(String[] args) {
        int[] ranks = {2, 8, 64, 256, 1024};
        long ops = 400_000;
        int reps = 5;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--ops" -> ops = Long.parseLong(value(args, ++i, "--ops"));
                case "--reps" -> reps = Integer.parseInt(value(args, ++i, "--reps"));
                case "--ranks" -> {
                    String[] parts = value(args, ++i, "--ranks").split(",");
                    ranks = new int[parts.length];
                    for (int k = 0; k < parts.length; k++) {
                        ranks[k] = Integer.parseInt(parts[k].trim());
                    }
                }
                default -> {
                    System.err.println("scale: unknown argument " + args[i]
                        + "; usage: bin/bench scale [--ops N] [--reps N] [--ranks 2,8,64,256,1024]");
                    System.exit(2);
                }
            }
        }
        System.out.printf(Locale.ROOT, "Bind per-rank recording cost: JDK %s, %d processors, load average %.2f,"
            + " ~%d ops per run, %d repetitions%n", Runtime.version(), Runtime.getRuntime().availableProcessors(),
            ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), ops, reps);
        System.out.printf(Locale.ROOT, "%8s %10s %14s %18s %14s%n", "ranks", "ops", "own ns/op", "elsewhere ns/op",
            "all ns/op");
        System.out.println("(program-thread CPU ns per op recorded)");
        double first = Double.NaN;
        double last = Double.NaN;
        for (int p : ranks) {
            List<Cost> costs = new ArrayList<>();
            for (int rep = -1; rep < reps; rep++) {
                Cost cost = run(p, Math.max(1, (int) (ops / ((long) p * TILES_PER_RANK))));
                if (rep >= 0) {
                    costs.add(cost);
                }
            }
            Cost median = new Cost(median(costs, Cost::ownNs), median(costs, Cost::elsewhereNs),
                median(costs, Cost::allNs), costs.get(0).ops());
            System.out.printf(Locale.ROOT, "%8d %10d %14.1f %18.1f %14.1f%n", p, median.ops(), median.ownNs(),
                median.elsewhereNs(), median.allNs());
            if (Double.isNaN(first)) {
                first = median.allNs();
            }
            last = median.allNs();
        }
        System.out.printf(Locale.ROOT, "RESULT scale p_max=%d ns_per_op_p%d=%.1f ns_per_op_p%d=%.1f growth=%.2f%n",
            ranks[ranks.length - 1], ranks[0], first, ranks[ranks.length - 1], last, last / first);
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            System.err.println("scale: " + flag + " needs a value");
            System.exit(2);
        }
        return args[i];
    }

    private static double median(List<Cost> costs, java.util.function.ToDoubleFunction<Cost> figure) {
        double[] values = costs.stream().mapToDouble(figure).sorted().toArray();
        return values[values.length / 2];
    }

    /** One run: a fresh rank of a {@code size}-rank job records {@code steps} stencil steps. */
    private static Cost run(int size, int steps) {
        int me = size / 2;
        Bind bind = Bind.init(new Bind.Context().transport(new SilentPeers(me, size)).jobId(1).workers(1)
            .windowOps(1L << 24));
        try {
            DoubleArray[][] tiles = new DoubleArray[size][TILES_PER_RANK];
            for (int i = 0; i < size; i++) {
                for (int j = 0; j < TILES_PER_RANK; j++) {
                    tiles[i][j] = DoubleArray.of(TILE_DOUBLES);
                }
            }
            long ownNs = 0;
            long elsewhereNs = 0;
            long own = 0;
            long elsewhere = 0;
            for (int step = 0; step < steps; step++) {
                for (int i = 0; i < size; i++) {
                    long start = THREAD.getCurrentThreadCpuTime();
                    try (Scope scope = bind.on(i)) {
                        DoubleArray[] row = tiles[i];
                        DoubleArray[] above = tiles[Math.max(0, i - 1)];
                        DoubleArray[] below = tiles[Math.min(size - 1, i + 1)];
                        for (int j = 0; j < TILES_PER_RANK; j++) {
                            Ops.stencil(row[Math.max(0, j - 1)], row[Math.min(TILES_PER_RANK - 1, j + 1)], above[j],
                                below[j], row[j]);
                        }
                    }
                    long ns = THREAD.getCurrentThreadCpuTime() - start;
                    if (i == me) {
                        ownNs += ns;
                        own += TILES_PER_RANK;
                    } else {
                        elsewhereNs += ns;
                        elsewhere += TILES_PER_RANK;
                    }
                }
            }
            return new Cost((double) ownNs / own, (double) elsewhereNs / elsewhere,
                (double) (ownNs + elsewhereNs) / (own + elsewhere), own + elsewhere);
        } finally {
            bind.abort("benchmark run over");
        }
    }

    /** The other ranks of the simulated job: what is sent to them is dropped, and they never send anything. */
    private static final class SilentPeers implements Transport {
        private final int rank;
        private final int size;

        SilentPeers(int rank, int size) {
            this.rank = rank;
            this.size = size;
        }

        @Override
        public int rank() {
            return rank;
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public void start(Receiver receiver) {
        }

        @Override
        public void send(int toRank, ByteBuffer frame) {
        }

        @Override
        public void send(int toRank, ByteBuffer header, ByteBuffer payload) {
        }

        @Override
        public void refuse(int peer) {
            // they send nothing: nothing to drop
        }

        @Override
        public void close() {
        }
    }
}
