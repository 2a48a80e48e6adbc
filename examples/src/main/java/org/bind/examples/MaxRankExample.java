package org.bind.examples;

import org.bind.Bind;
import org.bind.Op;
import org.bind.Scope;
import org.bind.Shared;

/**
 * A value shared by every rank: each rank in turn, in an op placed on it, raises the value to its own rank.
 * Each write is broadcast to all ranks, and the next rank's op reads the previous one's result, so the ops run
 * one after another across the ranks.
 *
 * <p>Every rank prints {@code rank r: max rank N-1}.
 */
public final class MaxRankExample {
    private MaxRankExample() {
    }

    public static void main(String[] args) {
        try (Bind bind = Bind.init(args)) {
            int max = run(bind);
            System.out.println("rank " + bind.rank() + ": max rank " + max);
        }
    }

    /** Runs the example. Program thread. Returns the largest rank, {@code size - 1}, on every rank. */
    public static int run(Bind bind) {
        Shared<Integer> max = Shared.of(0);
        for (int r = 0; r < bind.size(); r++) {
            try (Scope s = bind.on(r)) {
                raiseToOwnRank(max);
            }
        }
        bind.sync();
        return max.get();
    }

    /** Raises {@code max} to the rank this op runs on. */
    @Op
    private static void raiseToOwnRank(Shared<Integer> max) {
        max.set(Math.max(max.get(), Bind.current().rank()));
    }
}
