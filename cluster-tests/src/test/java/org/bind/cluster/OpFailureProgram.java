package org.bind.cluster;

import java.util.Arrays;

import org.bind.Bind;
import org.bind.In;
import org.bind.IntArray;
import org.bind.Op;
import org.bind.OpFailedException;
import org.bind.Out;
import org.bind.Scope;

/**
 * Ops that throw, one epoch per rank listed in {@code args[0]} (comma-separated): the op throws on that rank and is
 * read by an op on every rank (its failure travels as a lost version), next to ops that do not depend on it. For
 * each such epoch (round i) every rank prints what {@code sync()} threw
 * ({@code rank R round I caught OpFailedException op=... rank=... cause=...: ... message=...}), checks that the
 * independent ops ran and that the next epoch works ({@code rank R round I next epoch ok}); after the last round it
 * rethrows, so that every rank exits with status 1. A {@code sync()} that returns prints
 * {@code rank R sync returned} and exits with status 4.
 */
@SuppressWarnings("try")   // scopes are entered for their effect
public final class OpFailureProgram {
    static final String MESSAGE = "exploded on purpose, code ";
    private static final int N = 1_000;

    private OpFailureProgram() {
    }

    static final class FailingOps {
        @Op
        static void explode(IntArray a, int code) {
            throw new IllegalStateException(MESSAGE + code);
        }

        @Op
        static void dependent(@In IntArray a, @Out IntArray b) {
            System.arraycopy(a.data(), 0, b.data(), 0, b.data().length);
        }

        @Op
        static void independent(@Out IntArray c, int value) {
            Arrays.fill(c.data(), value);
        }
    }

    public static void main(String[] args) {
        try (Bind bind = Bind.init(args)) {
            ProgramSupport.announce();
            String[] failingRanks = bind.args()[0].split(",");
            OpFailedException last = null;
            for (int round = 0; round < failingRanks.length; round++) {
                last = failOnce(bind, round, Integer.parseInt(failingRanks[round]));
            }
            throw last;
        }
    }

    private static OpFailedException failOnce(Bind bind, int round, int failing) {
        int size = bind.size();
        int rank = bind.rank();
        IntArray a = IntArray.of(N);
        IntArray[] b = new IntArray[size];
        IntArray[] c = new IntArray[size];
        for (int r = 0; r < size; r++) {
            b[r] = IntArray.of(N);
            c[r] = IntArray.of(N);
        }
        try (Scope s = bind.on(failing)) {
            FailingOps.explode(a, 7);
        }
        for (int r = 0; r < size; r++) {
            try (Scope s = bind.on(r)) {
                FailingOps.dependent(a, b[r]);
                FailingOps.independent(c[r], r + 1);
            }
        }
        try {
            bind.sync();
        } catch (OpFailedException e) {
            Throwable cause = e.getCause();
            String tag = "rank " + rank + " round " + round;
            System.out.println(tag + " caught OpFailedException op=" + e.opName() + " rank=" + e.rank() + " cause="
                + cause.getClass().getName() + ": " + cause.getMessage() + " message=" + e.getMessage());
            int[] expected = new int[N];
            Arrays.fill(expected, rank + 1);
            if (!Arrays.equals(expected, c[rank].toArray())) {
                System.out.println(tag + " WRONG: an independent op did not run");
            }
            try (Scope s = bind.on(failing)) {
                FailingOps.independent(a, 5);
            }
            for (int r = 0; r < size; r++) {
                try (Scope s = bind.on(r)) {
                    FailingOps.dependent(a, b[r]);
                }
            }
            bind.sync();
            Arrays.fill(expected, 5);
            System.out.println(tag + (Arrays.equals(expected, b[rank].toArray()) ? " next epoch ok"
                : " WRONG: the next epoch computed " + Arrays.toString(Arrays.copyOf(b[rank].toArray(), 4))));
            return e;
        }
        System.out.println("rank " + rank + " sync returned");
        System.exit(4);
        return null;
    }
}
