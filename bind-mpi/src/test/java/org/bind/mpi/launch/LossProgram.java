package org.bind.mpi.launch;

import org.bind.Bind;
import org.bind.IntArray;
import org.bind.Scope;

/** Syncs in a loop until stopped, so that a rank can be killed while the others wait for it. */
@SuppressWarnings("try")   // scopes are entered for their effect
public final class LossProgram {
    private LossProgram() {
    }

    public static void main(String[] args) throws InterruptedException {
        try (Bind bind = Bind.init(args)) {
            System.out.println("rank " + bind.rank() + " pid " + ProcessHandle.current().pid() + " job "
                + System.getenv("BIND_JOB") + " ready");
            long endNs = System.nanoTime() + 60_000_000_000L;
            IntArray a = IntArray.of(1_000);
            IntArray b = IntArray.of(1_000);
            while (System.nanoTime() < endNs) {
                try (Scope s = bind.on(bind.size() - 1)) {
                    SmokeProgram.Ops.fill(a, 1);
                }
                SmokeProgram.Ops.addInto(a, b);
                bind.sync();
                Thread.sleep(20);
            }
        }
    }
}
