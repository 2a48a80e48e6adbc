package org.bind.cluster;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

import org.bind.Bind;
import org.bind.In;
import org.bind.IntArray;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;

/**
 * Says where each rank runs, then sums one value per rank on rank 0 (every value crosses to rank 0's host).
 * Prints {@code rank R host NAME pid P aeron=true|false ready} (aeron: this rank's Aeron directory, or that of the
 * media driver its host's ranks share, exists, so frames go over Aeron) and, on rank 0, {@code sum S} with S = 1 + 2 + ... + ranks. With the argument {@code loop} it
 * repeats the sum for a minute (for fault tests).
 */
@SuppressWarnings("try") // scopes are entered for their effect
public final class HostsProgram {
    private HostsProgram() {
    }

    @Op
    static void put(@Out IntArray part, int value) {
        part.data()[0] = value;
    }

    @Op
    static void addInto(IntArray sum, @In IntArray part) {
        sum.data()[0] += part.data()[0];
    }

    public static void main(String[] args) throws Exception {
        try (Bind bind = Bind.init(args)) {
            boolean loop = bind.args().length > 0 && bind.args()[0].equals("loop");
            // the launcher passes the job id in a private file of the job directory (bind.job.file), not on the command line
            String jobFile = System.getProperty("bind.job.file", "");
            String job = jobFile.isEmpty() ? System.getProperty("bind.job", "") : Files.readString(Path.of(jobFile)).trim();
            // its own Aeron directory, or that of the media driver the ranks of its host share
            String prefix = job.isEmpty() ? "" : org.bind.mpi.aeron.AeronSettings.dirPrefix(Long.parseUnsignedLong(job, 16));
            String[] dirs = new java.io.File("/dev/shm").list((d, name) -> !prefix.isEmpty()
                && (name.equals(prefix + bind.rank()) || name.startsWith(prefix + "host")));
            boolean aeron = dirs != null && dirs.length > 0;
            System.out.println("rank " + bind.rank() + " host " + InetAddress.getLocalHost().getHostName() + " pid "
                + ProcessHandle.current().pid() + " aeron=" + aeron + " ready");
            long endNs = System.nanoTime() + 60_000_000_000L;
            do {
                IntArray[] parts = new IntArray[bind.size()];
                IntArray sum = IntArray.of(1);
                for (int r = 0; r < parts.length; r++) {
                    parts[r] = IntArray.of(1);
                    try (Scope s = bind.on(r)) {
                        put(parts[r], r + 1);
                    }
                }
                try (Scope s = bind.on(0)) {
                    for (IntArray part : parts) {
                        addInto(sum, part);
                    }
                }
                bind.sync();
                if (bind.rank() == 0 && !loop) {
                    System.out.println("sum " + sum.toArray()[0]);
                }
                if (loop) {
                    Thread.sleep(50);
                }
            } while (loop && System.nanoTime() < endNs);
        }
    }
}
