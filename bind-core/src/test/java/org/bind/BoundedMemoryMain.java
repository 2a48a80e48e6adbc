package org.bind;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The program of {@link BoundedMemoryTest}, run in a child JVM with a small heap: {@code ops} tiny ops, each
 * adding a captured delta to one element of one of a few {@link IntArray}s, then the final arrays on stdout
 * ({@code array <i>: <values>}) and {@code done} on success.
 *
 * <p>Arguments: ops, workers, seed.
 */
public final class BoundedMemoryMain {
    static final int ARRAYS = 6;
    static final int LENGTH = 16;

    private BoundedMemoryMain() {
    }

    static final class TinyOps {
        @Op
        static void add(IntArray target, int index, int delta) {
            target.data()[index] += delta;
        }
    }

    /** The op sequence: one (array, index, delta) triple per op, drawn from {@code seed}. */
    static final class Sequence {
        private final SplittableRandom random;
        int array;
        int index;
        int delta;

        Sequence(long seed) {
            this.random = new SplittableRandom(seed);
        }

        void next() {
            array = random.nextInt(ARRAYS);
            index = random.nextInt(LENGTH);
            delta = random.nextInt(-1000, 1000);
        }
    }

    public static void main(String[] args) {
        long ops = Long.parseLong(args[0]);
        int workers = Integer.parseInt(args[1]);
        long seed = Long.parseLong(args[2]);
        long start = System.nanoTime();
        try (Bind bind = Bind.init(new Bind.Context().workers(workers))) {
            IntArray[] arrays = new IntArray[ARRAYS];
            for (int i = 0; i < ARRAYS; i++) {
                arrays[i] = IntArray.of(LENGTH);
            }
            Sequence sequence = new Sequence(seed);
            for (long op = 0; op < ops; op++) {
                sequence.next();
                TinyOps.add(arrays[sequence.array], sequence.index, sequence.delta);
            }
            bind.sync();
            for (int i = 0; i < ARRAYS; i++) {
                System.out.println("array " + i + ": " + Arrays.toString(arrays[i].toArray()));
            }
            Runtime runtime = Runtime.getRuntime();
            System.out.println("counters: " + bind.counters());
            System.out.printf("elapsed %.1f s, heap used %d MB of %d MB%n", (System.nanoTime() - start) / 1e9,
                (runtime.totalMemory() - runtime.freeMemory()) >> 20, runtime.maxMemory() >> 20);
        }
        System.out.println("done");
    }
}
