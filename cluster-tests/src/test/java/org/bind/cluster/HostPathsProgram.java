package org.bind.cluster;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

import org.bind.Bind;
import org.bind.IntArray;
import org.bind.Scope;

/**
 * The ranks of a {@code --machines} job move one array of {@code args[0]} MiB around the ring 0, 1, ..., size-1, 0
 * (each rank updates it in turn, so every step moves all of it to the next rank; with two ranks per host, every other
 * step stays on a host), for {@code args[1]} rounds, or, with {@code args[1] = 0}, until {@code args[2]} seconds
 * have passed. Each rank first prints {@code rank R host NAME pid P job J ready} (J: the job id, from the launcher's
 * private job file); rank 0 prints {@code rank 0 moved round K} after each round, checking one element against the
 * count of updates (a plain Java oracle: status 3 on a mismatch), and {@code rank 0 checked U updates} at the end.
 */
@SuppressWarnings("try")   // scopes are entered for their effect
public final class HostPathsProgram {
    private HostPathsProgram() {
    }

    public static void main(String[] args) throws Exception {
        try (Bind bind = Bind.init(args)) {
            String[] own = bind.args();
            int mib = Integer.parseInt(own[0]);
            int rounds = Integer.parseInt(own[1]);
            long endNs = System.nanoTime() + (own.length > 2 ? Long.parseLong(own[2]) : 0) * 1_000_000_000L;
            String job = Files.readString(Path.of(System.getProperty("bind.job.file"))).trim();
            System.out.println("rank " + bind.rank() + " host " + InetAddress.getLocalHost().getHostName() + " pid "
                + ProcessHandle.current().pid() + " job " + job + " ready");
            IntArray array = IntArray.of(mib << 18);
            IntArray probe = IntArray.of(1);
            int updates = 0;
            for (int round = 1; rounds > 0 ? round <= rounds : System.nanoTime() < endNs; round++) {
                for (int r = 0; r < bind.size(); r++) {
                    try (Scope s = bind.on(r)) {
                        LargeTransferProgram.Ops.bump(array);
                    }
                    updates++;
                }
                try (Scope s = bind.on(0)) {
                    LargeTransferProgram.Ops.first(array, probe);
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
            if (bind.rank() == 0) {
                System.out.println("rank 0 checked " + updates + " updates");
            }
        }
    }
}
