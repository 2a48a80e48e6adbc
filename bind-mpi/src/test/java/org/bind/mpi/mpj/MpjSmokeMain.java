package org.bind.mpi.mpj;

import java.util.Arrays;

import org.bind.Bind;
import org.bind.In;
import org.bind.IntArray;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;
import org.bind.Shared;

/**
 * A small Bind program for MPJ launches: the last rank fills an array, rank 0 and then every rank (a common op)
 * read it, every rank raises a shared maximum in its own scope. Prints one line per rank; exits non-zero (by
 * throwing) when a result is wrong. Run with {@code BIND_TRANSPORT=mpj} under {@code mpjrun} or MPJ's starter.
 */
public final class MpjSmokeMain {
    private MpjSmokeMain() {
    }

    static final class Ops {
        private Ops() {
        }

        @Op
        static void fill(@Out IntArray a, int value) {
            Arrays.fill(a.data(), value);
        }

        @Op
        static void addInto(@In IntArray a, IntArray b) {
            int[] x = a.data();
            int[] y = b.data();
            for (int i = 0; i < x.length; i++) {
                y[i] += x[i];
            }
        }

        @Op
        static void raise(Shared<Integer> s, int rank) {
            s.set(Math.max(s.get(), rank));
        }
    }

    @SuppressWarnings("try") // scopes are closed, not referenced
    public static void main(String[] args) {
        long startNs = System.nanoTime();
        int rank;
        try (Bind bind = Bind.init(args)) {
            rank = bind.rank();
            long initNs = System.nanoTime();
            int ranks = bind.size();
            String[] own = bind.args();
            int length = own.length > 0 ? Integer.parseInt(own[0]) : 100_000;
            IntArray a = IntArray.of(length);
            IntArray b = IntArray.of(length);
            Shared<Integer> max = Shared.of(-1);
            try (Scope s = bind.on(ranks - 1)) {
                Ops.fill(a, 3);
            }
            for (int r = 0; r < ranks; r++) {
                try (Scope s = bind.on(r)) {
                    Ops.raise(max, r);
                }
            }
            try (Scope s = bind.on(0)) {
                Ops.addInto(a, b);
            }
            Ops.addInto(a, b);   // common: every rank needs a
            bind.sync();
            int[] expected = new int[length];
            Arrays.fill(expected, 6);
            if (max.get() != ranks - 1) {
                throw new AssertionError("rank " + bind.rank() + ": max " + max.get() + ", expected " + (ranks - 1));
            }
            if (!Arrays.equals(expected, b.toArray())) {
                throw new AssertionError("rank " + bind.rank() + ": b is not all " + expected[0]);
            }
            System.out.println("bind-mpj rank " + bind.rank() + "/" + ranks + " ok max=" + max.get() + " b[0]="
                + b.toArray()[0] + " args=" + Arrays.toString(bind.args()) + " init_ms=" + (initNs - startNs) / 1_000_000
                + " run_ms=" + (System.nanoTime() - initNs) / 1_000_000);
        }
        System.out.println("bind-mpj rank " + rank + " closed total_ms=" + (System.nanoTime() - startNs) / 1_000_000);
    }
}
