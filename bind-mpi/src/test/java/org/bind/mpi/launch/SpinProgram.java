package org.bind.mpi.launch;

import org.bind.Bind;
import org.bind.IntArray;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;

/**
 * Never ends on its own (at most {@value #LIMIT_S} s): rank 1 runs an op that loops ({@code Ops.spin}) while the
 * others wait for it at {@code sync()}. Each rank prints {@code rank R joined} once {@code Bind.init} has returned.
 */
@SuppressWarnings("try")   // scopes are entered for their effect
public final class SpinProgram {
    static final int LIMIT_S = 120;

    private SpinProgram() {
    }

    static final class Ops {
        static volatile long sink;

        @Op
        static void spin(@Out IntArray a) {
            long deadlineNs = System.nanoTime() + LIMIT_S * 1_000_000_000L;
            long x = 0;
            while (System.nanoTime() < deadlineNs) {
                x++;
            }
            sink = x;
        }
    }

    public static void main(String[] args) {
        try (Bind bind = Bind.init(args)) {
            System.out.println("rank " + bind.rank() + " joined");
            IntArray a = IntArray.of(16);
            try (Scope s = bind.on(1)) {
                Ops.spin(a);
            }
            bind.sync();
        }
    }
}
