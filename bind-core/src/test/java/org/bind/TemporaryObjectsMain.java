package org.bind;

/**
 * The program of {@link BoundedMemoryTest}'s temporary-objects case, run in a child JVM with a small heap: many
 * short-lived arrays, each written and read by ops and then dropped, whose total size is far beyond the heap.
 * Prints {@code checksum=<sum>} and {@code done}.
 *
 * <p>Arguments: objects, length, workers, and optionally the window in bytes (default: Bind's).
 */
public final class TemporaryObjectsMain {
    private TemporaryObjectsMain() {
    }

    static final class Ops {
        @Op
        static void fill(@Out IntArray x, int seed) {
            int[] d = x.data();
            for (int i = 0; i < d.length; i++) {
                d[i] = seed * 31 + i;
            }
        }

        @Op
        static void sumInto(@In IntArray x, LongArray total) {
            long sum = 0;
            for (int v : x.data()) {
                sum += v;
            }
            total.data()[0] += sum;
        }
    }

    /** The checksum the program must print, computed with plain Java. */
    static long expectedChecksum(int objects, int length) {
        long total = 0;
        for (int seed = 0; seed < objects; seed++) {
            for (int i = 0; i < length; i++) {
                total += seed * 31 + i;
            }
        }
        return total;
    }

    public static void main(String[] args) {
        int objects = Integer.parseInt(args[0]);
        int length = Integer.parseInt(args[1]);
        int workers = Integer.parseInt(args[2]);
        long windowBytes = args.length > 3 ? Long.parseLong(args[3]) : 0;
        long start = System.nanoTime();
        try (Bind bind = Bind.init(new Bind.Context().workers(workers).windowBytes(windowBytes))) {
            LongArray total = LongArray.of(1);
            for (int seed = 0; seed < objects; seed++) {
                IntArray temporary = IntArray.of(length);
                Ops.fill(temporary, seed);
                Ops.sumInto(temporary, total);
            }
            bind.sync();
            System.out.println("checksum=" + total.toArray()[0]);
            System.out.println("counters: " + bind.counters());
            System.out.printf("elapsed %.1f s%n", (System.nanoTime() - start) / 1e9);
        }
        System.out.println("done");
    }
}
