package org.bind.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import org.bind.Bind;
import org.bind.In;
import org.bind.IntArray;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;
import org.bind.mpi.aeron.AeronSettings;
import org.bind.mpi.aeron.AeronTransport;
import org.bind.mpi.aeron.AeronTransportFactory;

/**
 * The ranks of a job that an outsider ({@link OutsiderFlood}) floods from before they start until they end.
 * {@code args[0]}: a file the outsider creates once its publications towards every rank exist; each rank waits for
 * it, and the last rank then waits {@value #LAST_RANK_DELAY_MS} ms more, so that the others spend that time in the
 * handshake, flooded. Each rank builds its transport as {@code Bind.init} does (so that it can read the transport's
 * counters), runs {@value #EPOCHS} epochs in which every rank's array travels to the next rank and is added there,
 * checks its accumulator against the same sums in plain Java, and prints
 * {@code rank R ok dropped=D rejected=P errors=E} (or {@code WRONG}).
 */
@SuppressWarnings("try")   // scopes are entered for their effect
public final class OutsiderFloodProgram {
    static final int EPOCHS = 12;
    static final long LAST_RANK_DELAY_MS = 1_500;
    private static final int N = 4_096;

    private OutsiderFloodProgram() {
    }

    static final class Ops {
        @Op
        static void fill(@Out IntArray a, int step, int rank) {
            int[] x = a.data();
            for (int i = 0; i < x.length; i++) {
                x[i] = step * 31 + rank * 7 + i;
            }
        }

        @Op
        static void addInto(@In IntArray a, IntArray accumulator) {
            int[] x = a.data();
            int[] y = accumulator.data();
            for (int i = 0; i < y.length; i++) {
                y[i] += x[i];
            }
        }
    }

    public static void main(String[] args) throws Exception {
        ProgramSupport.announce();
        Path go = Path.of(args[0]);
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(go)) {
            if (System.nanoTime() > deadlineNs) {
                throw new IllegalStateException("the outsider did not start within 60 s");
            }
            Thread.sleep(10);
        }
        AeronSettings settings = AeronTransportFactory.settings(System.getenv());
        int rank = settings.rank();
        int size = settings.size();
        if (rank == size - 1) {
            Thread.sleep(LAST_RANK_DELAY_MS);
        }
        AeronTransport transport = new AeronTransport(settings);
        try {
            transport.awaitConnected();
        } catch (RuntimeException e) {
            transport.close();
            throw e;
        }
        System.out.println("rank " + rank + " connected");
        try (Bind bind = Bind.init(new Bind.Context().transport(transport).jobId(settings.jobId()))) {
            boolean ok = exchange(bind);
            System.out.println("rank " + rank + (ok ? " ok" : " WRONG") + " dropped=" + transport.droppedMessages()
                + " rejected=" + transport.rejectedPeers() + " errors=" + transport.errors());
        }
    }

    /**
     * The job's work: {@value #EPOCHS} epochs in which every rank's array travels to the next rank and is added
     * there; returns whether this rank's sums are those of plain Java.
     */
    static boolean exchange(Bind bind) {
        int rank = bind.rank();
        int size = bind.size();
        IntArray[] parts = new IntArray[size];
        IntArray[] sums = new IntArray[size];
        for (int r = 0; r < size; r++) {
            parts[r] = IntArray.of(N);
            sums[r] = IntArray.of(N);
        }
        int[] oracle = new int[N];
        int from = (rank + size - 1) % size;
        for (int step = 0; step < EPOCHS; step++) {
            for (int r = 0; r < size; r++) {
                try (Scope s = bind.on(r)) {
                    Ops.fill(parts[r], step, r);
                }
                try (Scope s = bind.on((r + 1) % size)) {
                    Ops.addInto(parts[r], sums[(r + 1) % size]);
                }
            }
            for (int i = 0; i < N; i++) {
                oracle[i] += step * 31 + from * 7 + i;
            }
            bind.sync();
        }
        return Arrays.equals(oracle, sums[rank].toArray());
    }
}
