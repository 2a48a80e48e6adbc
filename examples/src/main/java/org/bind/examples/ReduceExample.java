package org.bind.examples;

import org.bind.Bind;
import org.bind.In;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;
import org.bind.Shared;

/**
 * A tree reduction written as ordinary ops: eight values placed round-robin over the ranks are summed pairwise
 * with strides 1, 2 and 4 ({@code a[i - stride] += a[i]}), each addition running on the rank of its target.
 * Additions at one stride are independent and run in parallel; the runtime moves each operand to the rank that
 * needs it.
 *
 * <p>Prints, on rank 0, {@code sum 40}.
 */
public final class ReduceExample {
    /** The values summed: 1 to 9 without 5. */
    public static final int[] VALUES = {1, 2, 3, 4, 6, 7, 8, 9};

    private ReduceExample() {
    }

    public static void main(String[] args) {
        try (Bind bind = Bind.init(args)) {
            int sum = run(bind);
            if (bind.rank() == 0) {
                System.out.println("sum " + sum);
            }
        }
    }

    /** Runs the example. Program thread. Returns the sum of {@link #VALUES} on every rank. */
    @SuppressWarnings("unchecked")
    public static int run(Bind bind) {
        int count = VALUES.length;
        Shared<Integer>[] a = new Shared[count];
        for (int i = 0; i < count; i++) {
            a[i] = Shared.of(0);
            try (Scope s = bind.on(rankOf(i, bind))) {
                assign(a[i], VALUES[i]);
            }
        }
        for (int stride = 1; stride < count; stride *= 2) {
            for (int i = stride; i < count; i += 2 * stride) {
                try (Scope s = bind.on(rankOf(i - stride, bind))) {
                    addInto(a[i - stride], a[i]);
                }
            }
        }
        bind.sync();
        return a[0].get();
    }

    /** Round-robin placement of element {@code i}. */
    private static int rankOf(int i, Bind bind) {
        return i % bind.size();
    }

    @Op
    private static void assign(@Out Shared<Integer> target, int value) {
        target.set(value);
    }

    @Op
    private static void addInto(Shared<Integer> target, @In Shared<Integer> operand) {
        target.set(target.get() + operand.get());
    }
}
