package org.bind.mpi.mpj;

import java.util.Arrays;

import org.bind.Bind;
import org.bind.ByteArray;
import org.bind.DoubleArray;
import org.bind.In;
import org.bind.Op;
import org.bind.Scope;

/**
 * Versions in several chunks over the MPJ data plane (run with a small chunk size: the program's
 * {@code -Dbind.chunk.bytes=CHUNK}, or the MPJ transport's {@code -Dbind.mpj.chunk.bytes=CHUNK}, which the runtime
 * takes when the program sets none): a byte array one byte larger than a chunk, written on the last rank, and a double
 * array of three chunks and one double, written on the rank before it (with 3 ranks or more: then rank 0 receives
 * the chunks of both versions from two senders at once, interleaved), read on rank 0 alone (point to point), then by
 * every rank (down the runtime's tree: with 4 ranks or more a rank relays chunks it received), then both updated on
 * rank 1 and read on every rank again; a few rounds. Every rank checks what it read against the values computed in
 * plain Java. Prints {@code mpj-chunks rank R ok} or throws.
 */
@SuppressWarnings("try") // scopes are closed, not referenced
public final class MpjChunksMain {
    private static final int ROUNDS = 3;

    private MpjChunksMain() {
    }

    static final class Ops {
        private Ops() {
        }

        @Op
        static void fillBytes(ByteArray bytes, int round) {
            byte[] b = bytes.data();
            for (int i = 0; i < b.length; i++) {
                b[i] = expectedByte(i, round);
            }
        }

        @Op
        static void fillDoubles(DoubleArray doubles, int round) {
            double[] d = doubles.data();
            for (int i = 0; i < d.length; i++) {
                d[i] = expectedDouble(i, round);
            }
        }

        @Op
        static void check(@In ByteArray bytes, @In DoubleArray doubles, int round, int rank) {
            byte[] b = bytes.data();
            for (int i = 0; i < b.length; i++) {
                if (b[i] != expectedByte(i, round)) {
                    throw new AssertionError("rank " + rank + ", round " + round + ": byte " + i + " of " + b.length
                        + " is " + b[i] + ", expected " + expectedByte(i, round));
                }
            }
            double[] d = doubles.data();
            for (int i = 0; i < d.length; i++) {
                if (d[i] != expectedDouble(i, round)) {
                    throw new AssertionError("rank " + rank + ", round " + round + ": double " + i + " of " + d.length
                        + " is " + d[i] + ", expected " + expectedDouble(i, round));
                }
            }
        }
    }

    static byte expectedByte(int i, int round) {
        return (byte) (i * 31 + round * 7 + (i >>> 8));
    }

    static double expectedDouble(int i, int round) {
        return i * 0.5 + round * 1e6 + Math.sqrt(i);
    }

    public static void main(String[] args) {
        try (Bind bind = Bind.init(args)) {
            int chunk = Integer.getInteger(Bind.Context.CHUNK_BYTES_PROP_NAME,
                Integer.getInteger(MpjTransportSettings.CHUNK_BYTES_PROP_NAME, 4096));
            ByteArray bytes = ByteArray.of(chunk + 1);
            DoubleArray doubles = DoubleArray.of(3 * chunk / Double.BYTES + 1);
            int last = bind.size() - 1;
            for (int round = 0; round < ROUNDS; round++) {
                int writer = round % 2 == 0 ? last : 1 % bind.size();
                int doublesWriter = round % 2 == 0 ? Math.max(last - 1, 1) % bind.size() : writer;
                try (Scope s = bind.on(writer)) {
                    Ops.fillBytes(bytes, round);
                }
                try (Scope s = bind.on(doublesWriter)) {
                    Ops.fillDoubles(doubles, round);
                }
                try (Scope s = bind.on(0)) {
                    Ops.check(bytes, doubles, round, 0);
                }
                for (int r = 1; r < bind.size(); r++) {
                    try (Scope s = bind.on(r)) {
                        Ops.check(bytes, doubles, round, r);
                    }
                }
                bind.sync();
            }
            byte[] expected = new byte[chunk + 1];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = expectedByte(i, ROUNDS - 1);
            }
            if (!Arrays.equals(expected, bytes.toArray())) {
                throw new AssertionError("rank " + bind.rank() + ": the last bytes differ after sync");
            }
            System.out.println("mpj-chunks rank " + bind.rank() + "/" + bind.size() + " ok chunk=" + chunk
                + " bytes=" + (chunk + 1) + " doubles=" + doubles.length());
        }
    }
}
