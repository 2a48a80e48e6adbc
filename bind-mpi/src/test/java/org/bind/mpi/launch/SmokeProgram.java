package org.bind.mpi.launch;

import java.util.Arrays;

import org.bind.Bind;
import org.bind.In;
import org.bind.IntArray;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;
import org.bind.Shared;

/** A multi-rank program: data made on the last rank, used on rank 0 and by a common op; a max over ranks. */
@SuppressWarnings("try")   // scopes are entered for their effect
public final class SmokeProgram {
    private SmokeProgram() {
    }

    static final class Ops {
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

    public static void main(String[] args) {
        try (Bind bind = Bind.init(args)) {
            int ranks = bind.size();
            IntArray a = IntArray.of(300_000);
            IntArray b = IntArray.of(300_000);
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
            Ops.addInto(a, b);
            bind.sync();
            int[] values = b.toArray();
            int expected = 6;
            boolean ok = max.get() == ranks - 1 && Arrays.stream(values).allMatch(v -> v == expected);
            System.out.println("rank " + bind.rank() + " of " + ranks + (ok ? " ok" : " WRONG") + " max=" + max.get()
                + " args=" + String.join(" ", bind.args()));
            System.out.println("rank " + bind.rank() + " job " + System.getenv("BIND_JOB"));
            if (!ok) {
                System.exit(3);
            }
        }
    }
}
