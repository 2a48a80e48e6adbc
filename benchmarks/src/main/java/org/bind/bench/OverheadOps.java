package org.bind.bench;

import org.bind.DoubleArray;
import org.bind.In;
import org.bind.IntArray;
import org.bind.Op;
import org.bind.Out;

/** The ops measured by {@link OverheadBenchmark}: as small as ops get, so that the runtime's cost shows. */
final class OverheadOps {
    private OverheadOps() {
    }

    /** Independent and empty: the per-op cost of recording, scheduling and retiring a call. */
    @Op
    static void empty(int index) {
    }

    /**
     * Independent, with primitive and array arguments: what passing arguments adds to an empty op (the int and the
     * double travel unboxed; the array is captured by value, a copy of its 4 elements). Adds the arguments into
     * element 0 of its own copy of the array, which the program's array never sees.
     */
    @Op
    static void withArguments(int index, double scale, double[] values) {
        values[0] += index * scale;
    }

    /** Read-write on one small array: each call depends on the previous one. */
    @Op
    static void increment(IntArray counter) {
        counter.data()[0]++;
    }

    /**
     * One point of the 1-D stencil: step {@code t} of column {@code x} reads columns {@code x-1, x, x+1} of step
     * {@code t-1} and writes column {@code x} of step {@code t}. Element 0 counts steps (max of the inputs plus
     * one, so after {@code T} steps every column holds {@code T} exactly when every op saw the versions of the
     * previous step); element 1 keeps the spin kernel's result so that the work cannot be optimised away.
     */
    @Op
    static void stencil(@In DoubleArray left, @In DoubleArray middle, @In DoubleArray right, @Out DoubleArray out,
                        int spinIterations) {
        double[] l = left.data();
        double[] m = middle.data();
        double[] r = right.data();
        double[] o = out.data();
        o[0] = Math.max(m[0], Math.max(l[0], r[0])) + 1;
        o[1] = Spin.run(spinIterations, m[1]);
    }
}
