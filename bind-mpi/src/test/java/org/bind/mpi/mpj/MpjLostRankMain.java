package org.bind.mpi.mpj;

import org.bind.Bind;
import org.bind.BindException;

/**
 * For the lost-rank test: the last rank halts its JVM right after joining; the others must see {@code sync()} fail
 * with "rank k lost" instead of waiting forever. Prints what each survivor saw.
 */
public final class MpjLostRankMain {
    private MpjLostRankMain() {
    }

    public static void main(String[] args) {
        try (Bind bind = Bind.init(args)) {
            int victim = bind.size() - 1;
            if (bind.rank() == victim) {
                System.out.println("bind-mpj rank " + victim + " halting");
                System.out.flush();
                Runtime.getRuntime().halt(3);
            }
            long startNs = System.nanoTime();
            try {
                bind.sync();
                System.out.println("bind-mpj rank " + bind.rank() + " sync returned although rank " + victim + " died");
            } catch (BindException e) {
                System.out.println("bind-mpj rank " + bind.rank() + " saw the loss after "
                    + (System.nanoTime() - startNs) / 1_000_000 + " ms: " + e.getMessage());
            }
        }
    }
}
