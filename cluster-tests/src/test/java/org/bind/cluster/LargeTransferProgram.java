package org.bind.cluster;

import org.bind.Bind;
import org.bind.In;
import org.bind.IntArray;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;

/**
 * Keeps large versions moving between the ranks until it is stopped: one array of {@code args[0]} MiB (default 64) is
 * updated in place on rank 0, 1, ..., size-1 in turn, so that every step moves all of it to the next rank; then
 * {@code sync()}. Rank 0 prints {@code rank 0 moved round R} after each round and checks one element against the
 * count of updates (a plain Java oracle), exiting with status 3 on a mismatch. Ends after {@code args[1]} seconds
 * (default 60), or earlier when a rank is lost: the exception leaves {@code main}.
 */
@SuppressWarnings("try")   // scopes are entered for their effect
public final class LargeTransferProgram {
    private LargeTransferProgram() {
    }

    static final class Ops {
        @Op
        static void bump(IntArray array) {
            int[] x = array.data();
            for (int i = 0; i < x.length; i += 1024) {
                x[i]++;
            }
        }

        @Op
        static void first(@In IntArray array, @Out IntArray into) {
            into.data()[0] = array.data()[0];
        }
    }

    public static void main(String[] args) {
        try (Bind bind = Bind.init(args)) {
            String[] own = bind.args();
            int mib = own.length > 0 ? Integer.parseInt(own[0]) : 64;
            long seconds = own.length > 1 ? Long.parseLong(own[1]) : 60;
            ProgramSupport.announce(bind.rank());
            IntArray array = IntArray.of(mib << 18);
            IntArray probe = IntArray.of(1);
            long endNs = System.nanoTime() + seconds * 1_000_000_000L;
            int updates = 0;
            for (int round = 1; System.nanoTime() < endNs; round++) {
                for (int r = 0; r < bind.size(); r++) {
                    try (Scope s = bind.on(r)) {
                        Ops.bump(array);
                    }
                    updates++;
                }
                try (Scope s = bind.on(0)) {
                    Ops.first(array, probe);
                }
                bind.sync();
                if (bind.rank() == 0) {
                    int seen = probe.toArray()[0];
                    if (seen != updates) {
                        System.out.println("rank 0 WRONG element " + seen + " after " + updates + " updates");
                        System.exit(3);
                    }
                    System.out.println("rank 0 moved round " + round);
                }
            }
        }
    }
}
