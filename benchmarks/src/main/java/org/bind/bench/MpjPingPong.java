package org.bind.bench;

import java.util.Arrays;

import mpi.MPI;

/**
 * MPJ Express ping-pong for {@code bin/bench transfer}: two ranks under MPJ's niodev exchange byte arrays of SIZE
 * bytes with {@code Send}/{@code Recv} (no Bind). Rank 0 prints {@code TRANSFER mpj bytes=B gb_s=G}: the median over
 * REPS of bytes delivered per second, both directions.
 */
public final class MpjPingPong {
    private static final long BYTES_PER_REP = 256L << 20;

    private MpjPingPong() {
    }

    public static void main(String[] args) {
        String[] own = MPI.Init(args);
        try {
            if (own.length < 2 || own.length > 3) {
                throw new IllegalArgumentException("usage: MpjPingPong SIZE_BYTES[,SIZE...] REPS [WARMUP_REPS] (under"
                    + " mpjrun)");
            }
            int rank = MPI.COMM_WORLD.Rank();
            if (MPI.COMM_WORLD.Size() != 2) {
                throw new IllegalArgumentException("MpjPingPong runs on 2 ranks, not " + MPI.COMM_WORLD.Size());
            }
            int reps = Integer.parseInt(own[1]);
            int warmupReps = own.length > 2 ? Integer.parseInt(own[2]) : 0;
            for (String text : own[0].split(",")) {
                int bytes = Integer.parseInt(text.trim());
                byte[] buffer = new byte[bytes];
                int steps = (int) Math.max(2, BYTES_PER_REP / (2L * bytes));
                exchange(rank, buffer, 2);
                for (int rep = 0; rep < warmupReps; rep++) {
                    exchange(rank, buffer, steps); // untimed, as TransferProgram's
                }
                double[] rates = new double[reps];
                for (int rep = 0; rep < reps; rep++) {
                    long startNs = System.nanoTime();
                    exchange(rank, buffer, steps);
                    rates[rep] = 2.0 * steps * bytes / (System.nanoTime() - startNs);
                }
                Arrays.sort(rates);
                if (rank == 0) {
                    System.out.printf("TRANSFER mpj bytes=%d gb_s=%.3f%n", bytes, rates[reps / 2]);
                }
            }
        } finally {
            MPI.Finalize();
        }
    }

    private static void exchange(int rank, byte[] buffer, int steps) {
        for (int step = 0; step < steps; step++) {
            if (rank == 0) {
                MPI.COMM_WORLD.Send(buffer, 0, buffer.length, MPI.BYTE, 1, 0);
                MPI.COMM_WORLD.Recv(buffer, 0, buffer.length, MPI.BYTE, 1, 0);
            } else {
                MPI.COMM_WORLD.Recv(buffer, 0, buffer.length, MPI.BYTE, 0, 0);
                MPI.COMM_WORLD.Send(buffer, 0, buffer.length, MPI.BYTE, 0, 0);
            }
        }
    }
}
