package org.bind.cluster;

import java.util.Arrays;

import org.bind.Bind;
import org.bind.BindException;
import org.bind.In;
import org.bind.IntArray;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;

/**
 * After one good epoch, rank 1's main throws {@code IllegalStateException(MESSAGE)} through the program's
 * try-with-resources close; the other ranks go on, as {@code args[0]} says: {@code sync} (they submit one more
 * common op and sync) or {@code wait} (rank 0 reads, through {@code toArray}, data that rank 1 would have made).
 * Every other rank prints what it caught ({@code rank R caught CLASS: message}) and rethrows it; a rank whose
 * calls all return prints {@code rank R sync returned}.
 */
@SuppressWarnings("try")   // scopes are entered for their effect
public final class MainThrowsProgram {
    static final String MESSAGE = "no input for rank 1";
    private static final int N = 64;

    private MainThrowsProgram() {
    }

    static final class Ops {
        @Op
        static void fill(@Out IntArray a, int value) {
            Arrays.fill(a.data(), value);
        }

        @Op
        static void twice(@In IntArray from, @Out IntArray to) {
            int[] in = from.data();
            int[] out = to.data();
            for (int i = 0; i < in.length; i++) {
                out[i] = 2 * in[i];
            }
        }
    }

    public static void main(String[] args) {
        try (Bind bind = Bind.init(args)) {
            ProgramSupport.announce();
            IntArray a = IntArray.of(N);
            IntArray b = IntArray.of(N);
            Ops.fill(a, 3);
            bind.sync();
            if (bind.rank() == 1) {
                throw new IllegalStateException(MESSAGE);
            }
            try {
                if (bind.args()[0].equals("wait")) {
                    try (Scope s = bind.on(1)) {
                        Ops.fill(a, 5);
                    }
                    try (Scope s = bind.on(0)) {
                        Ops.twice(a, b);
                    }
                    if (bind.rank() == 0) {
                        System.out.println("rank 0 read " + b.toArray()[0]);
                    }
                } else {
                    Ops.twice(a, b);
                }
                bind.sync();
                System.out.println("rank " + bind.rank() + " sync returned");
            } catch (BindException e) {
                System.out.println("rank " + bind.rank() + " caught " + e.getClass().getName() + ": " + e.getMessage());
                throw e;
            }
        }
    }
}
