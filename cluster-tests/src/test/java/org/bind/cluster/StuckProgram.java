package org.bind.cluster;

import org.bind.Bind;
import org.bind.IntArray;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;
import org.bind.mpi.aeron.AeronTransportFactory;

/**
 * A job that never ends on its own (at most {@value #LIMIT_S} s, then status 3). {@code args[0]} (after the
 * transport's own): {@code spin}: rank 1 runs an op that loops forever ({@code Ops.spinForever}) while the others wait for it at {@code sync()};
 * {@code sync}: every rank calls {@code sync()} in a loop. Each rank prints {@code rank R joined} once
 * {@code Bind.init} has returned.
 */
@SuppressWarnings("try")   // scopes are entered for their effect
public final class StuckProgram {
    static final int LIMIT_S = 120;

    private StuckProgram() {
    }

    static final class Ops {
        static volatile long sink;

        @Op
        static void spinForever(@Out IntArray a) {
            long deadlineNs = System.nanoTime() + LIMIT_S * 1_000_000_000L;
            long x = 0;
            while (System.nanoTime() < deadlineNs) {
                x++;
            }
            sink = x;
        }

        @Op
        static void touch(@Out IntArray a, int step) {
            a.data()[0] = step;
        }
    }

    public static void main(String[] args) throws Exception {
        // over Aeron the launcher's environment describes the rank before it joins; under MPJ or in one JVM it does not
        boolean aeron = System.getenv(AeronTransportFactory.PEERS_ENV) != null;
        if (aeron) {
            ProgramSupport.announce();
        }
        long deadlineNs = System.nanoTime() + LIMIT_S * 1_000_000_000L;
        try (Bind bind = Bind.init(args)) {
            if (!aeron) {
                ProgramSupport.announce(bind.rank());
            }
            System.out.println("rank " + bind.rank() + " joined");
            IntArray a = IntArray.of(16);
            if (bind.args()[0].equals("spin")) {
                try (Scope s = bind.on(1)) {
                    Ops.spinForever(a);
                }
                bind.sync();
            } else {
                for (int step = 0; System.nanoTime() < deadlineNs; step++) {
                    Ops.touch(a, step);
                    bind.sync();
                    Thread.sleep(50);
                }
            }
        }
        System.exit(3);
    }
}
