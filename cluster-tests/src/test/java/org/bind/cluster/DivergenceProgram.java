package org.bind.cluster;

import org.bind.Bind;
import org.bind.BindException;
import org.bind.In;
import org.bind.IntArray;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;

/**
 * Ranks that submit different ops, as {@code args[0]} says: {@code extra-common} (rank 1 alone submits one more
 * common op) or {@code extra-read} (rank 0 alone reads data that lives on rank 1, and waits for a transfer that
 * rank 1 never makes). Every rank prints what {@code sync()} threw ({@code rank R caught ...: message}) and
 * rethrows it, so that every rank exits with status 1; a {@code sync()} that returns prints
 * {@code rank R sync returned} and exits with status 4.
 */
@SuppressWarnings("try")   // scopes are entered for their effect
public final class DivergenceProgram {
    private static final int N = 16;

    private DivergenceProgram() {
    }

    static final class DivergentOps {
        @Op
        static void first(IntArray a) {
            a.data()[0]++;
        }

        @Op
        static void extra(IntArray a) {
            a.data()[1]++;
        }

        @Op
        static void last(IntArray a) {
            a.data()[2]++;
        }

        @Op
        static void read(@In IntArray a, @Out IntArray b) {
            System.arraycopy(a.data(), 0, b.data(), 0, b.data().length);
        }
    }

    public static void main(String[] args) {
        try (Bind bind = Bind.init(args)) {
            ProgramSupport.announce();
            String variant = bind.args()[0];
            IntArray a = IntArray.of(N);
            IntArray b = IntArray.of(N);
            switch (variant) {
                case "extra-common" -> {
                    DivergentOps.first(a);
                    DivergentOps.first(a);
                    if (bind.rank() == 1) {
                        DivergentOps.extra(a);
                    }
                    DivergentOps.last(a);
                }
                case "extra-read" -> {
                    try (Scope s = bind.on(1)) {
                        DivergentOps.first(a);
                    }
                    if (bind.rank() == 0) {
                        try (Scope s = bind.on(0)) {
                            DivergentOps.read(a, b);
                        }
                    }
                }
                default -> throw new IllegalArgumentException("variant '" + variant
                    + "' is not extra-common or extra-read");
            }
            try {
                bind.sync();
            } catch (BindException e) {
                System.out.println("rank " + bind.rank() + " caught " + e.getClass().getName() + ": " + e.getMessage());
                throw e;
            }
            System.out.println("rank " + bind.rank() + " sync returned");
            System.exit(4);
        }
    }
}
