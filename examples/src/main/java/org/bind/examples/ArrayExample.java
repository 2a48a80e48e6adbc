package org.bind.examples;

import java.util.Arrays;

import org.bind.Bind;
import org.bind.IntArray;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;

/**
 * An array that moves between ranks: rank 1 fills it with pseudo-random values and sorts it, rank 0 reverses it
 * and reads it. The transfer from rank 1 to rank 0 is implicit: the reverse op reads the version the sort op made.
 * With one rank, rank 0 does everything.
 *
 * <p>Prints, on rank 0, the values sorted in descending order.
 */
public final class ArrayExample {
    /** Elements in the array. */
    public static final int LENGTH = 100;
    /** Seed of the generator, so that every run sorts the same values. */
    public static final long SEED = 42;
    /** Values are drawn from {@code [0, VALUE_BOUND)}. */
    public static final int VALUE_BOUND = 1000;

    private ArrayExample() {
    }

    public static void main(String[] args) {
        try (Bind bind = Bind.init(args)) {
            int[] descending = run(bind);
            if (descending != null) {
                System.out.println("sorted descending: " + Arrays.toString(descending));
            }
        }
    }

    /**
     * Runs the example. Program thread.
     *
     * @return the array sorted in descending order on rank 0, which holds it; null on the other ranks
     */
    public static int[] run(Bind bind) {
        IntArray values = IntArray.of(LENGTH);
        int producer = Math.min(1, bind.size() - 1);
        try (Scope s = bind.on(producer)) {
            generate(values, SEED);
            sort(values);
        }
        try (Scope s = bind.on(0)) {
            reverse(values);
        }
        bind.sync();
        return bind.rank() == 0 ? values.toArray() : null;
    }

    /** Fills {@code values} from a 64-bit linear congruential generator (Knuth's MMIX constants). */
    @Op
    private static void generate(@Out IntArray values, long seed) {
        int[] out = values.data();
        long state = seed;
        for (int i = 0; i < out.length; i++) {
            state = state * 6364136223846793005L + 1442695040888963407L;
            out[i] = (int) ((state >>> 33) % VALUE_BOUND);
        }
    }

    @Op
    private static void sort(IntArray values) {
        Arrays.sort(values.data());
    }

    @Op
    private static void reverse(IntArray values) {
        int[] a = values.data();
        for (int i = 0, j = a.length - 1; i < j; i++, j--) {
            int swap = a[i];
            a[i] = a[j];
            a[j] = swap;
        }
    }
}
