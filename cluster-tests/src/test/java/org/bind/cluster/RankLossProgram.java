package org.bind.cluster;

import org.bind.Bind;
import org.bind.In;
import org.bind.IntArray;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;
import org.bind.Shared;

/**
 * Keeps every rank busy with ops and transfers until it is stopped, so that a rank can be killed or frozen at any
 * point: each round every rank fills its part, sends it to the next rank (ring), rank 0 sums what it received and
 * broadcasts the sum ({@code Shared}), every third round a common op reads a part on every rank (a tree), every
 * fifth round each rank reads its accumulator with {@code toArray()}; then {@code sync()}. Each rank checks the
 * broadcast sum against the same sum computed in plain Java and exits with status 3 on a mismatch. Ends after
 * {@code args[0]} seconds (default 60), or earlier when a rank is lost: the exception leaves {@code main}. Each rank
 * reads its own clock, so a job that runs until that time may end in a DAG divergence (one rank stops a round before
 * the others); a job meant to end cleanly gives {@code args[1]}, a number of rounds, and a time it cannot reach.
 */
@SuppressWarnings("try")   // scopes are entered for their effect
public final class RankLossProgram {
    private static final int N = 2_048;

    private RankLossProgram() {
    }

    static final class Ops {
        @Op
        static void fill(@Out IntArray part, int round, int rank) {
            int[] x = part.data();
            for (int i = 0; i < x.length; i++) {
                x[i] = round * 31 + rank + i;
            }
        }

        @Op
        static void addInto(@In IntArray part, IntArray accumulator) {
            int[] x = part.data();
            int[] y = accumulator.data();
            for (int i = 0; i < y.length; i++) {
                y[i] += x[i];
            }
        }

        @Op
        static void sum(@In IntArray accumulator, @Out Shared<Long> total) {
            long s = 0;
            for (int v : accumulator.data()) {
                s += v;
            }
            total.set(s);
        }
    }

    public static void main(String[] args) {
        try (Bind bind = Bind.init(args)) {
            // the program's own arguments: under MPJ Express, main's start with MPJ's, which Bind.init strips
            String[] own = bind.args();
            long seconds = own.length > 0 ? Long.parseLong(own[0]) : 60;
            long maxRounds = own.length > 1 ? Long.parseLong(own[1]) : Long.MAX_VALUE;
            ProgramSupport.announce(bind.rank());
            int size = bind.size();
            IntArray[] parts = new IntArray[size];
            IntArray[] accumulators = new IntArray[size];
            for (int r = 0; r < size; r++) {
                parts[r] = IntArray.of(N);
                accumulators[r] = IntArray.of(N);
            }
            IntArray common = IntArray.of(N);
            Shared<Long> total = Shared.of(0L);
            int[] oracle = new int[N];   // accumulators[0] computed in plain Java (int arithmetic wraps alike)
            long endNs = System.nanoTime() + seconds * 1_000_000_000L;
            int round = 0;
            while (System.nanoTime() < endNs && round < maxRounds) {
                for (int r = 0; r < size; r++) {
                    try (Scope s = bind.on(r)) {
                        Ops.fill(parts[r], round, r);
                    }
                }
                for (int r = 0; r < size; r++) {
                    try (Scope s = bind.on((r + 1) % size)) {
                        Ops.addInto(parts[r], accumulators[(r + 1) % size]);
                    }
                }
                try (Scope s = bind.on(0)) {
                    Ops.sum(accumulators[0], total);
                }
                if (round % 3 == 0) {
                    Ops.addInto(parts[round % size], common);
                }
                if (round % 5 == 0) {
                    accumulators[bind.rank()].toArray();
                }
                bind.sync();
                long expected = 0;
                for (int i = 0; i < N; i++) {
                    oracle[i] += round * 31 + (size - 1) + i;
                    expected += oracle[i];
                }
                if (total.get() != expected) {
                    System.out.println("rank " + bind.rank() + " WRONG sum " + total.get() + " in round " + round
                        + ", expected " + expected);
                    System.exit(3);
                }
                round++;
            }
            System.out.println("rank " + bind.rank() + " finished " + round + " rounds");
        }
    }
}
