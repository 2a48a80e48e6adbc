package org.bind.multi;

import java.util.List;

import org.bind.DoubleArray;
import org.bind.In;
import org.bind.IntArray;
import org.bind.Op;
import org.bind.Out;
import org.bind.Shared;

/** The ops of random programs: each calls its {@link Kernels} body on the buffers bound to it. */
final class ProgramOps {
    private ProgramOps() {
    }

    @Op
    static void fillInts(@Out IntArray out, int seed) {
        Kernels.fillInts(out.data(), seed);
    }

    @Op
    static void addInts(@In IntArray source, IntArray target, int factor) {
        Kernels.addInts(source.data(), target.data(), factor);
    }

    @Op
    static void mixInts(@In IntArray a, @In IntArray b, @Out IntArray out, int[] weights) {
        Kernels.mixInts(a.data(), b.data(), out.data(), weights);
    }

    @Op
    static void fillDoubles(@Out DoubleArray out, double value) {
        Kernels.fillDoubles(out.data(), value);
    }

    @Op
    static void axpy(@In DoubleArray x, DoubleArray y, double alpha) {
        Kernels.axpy(x.data(), y.data(), alpha);
    }

    @Op
    static void intsIntoDoubles(@In IntArray a, DoubleArray d) {
        Kernels.intsIntoDoubles(a.data(), d.data());
    }

    @Op
    static void doublesIntoInts(@In DoubleArray d, IntArray a) {
        Kernels.doublesIntoInts(d.data(), a.data());
    }

    @Op
    static void sumInts(@In IntArray a, Shared<Integer> s) {
        s.set(Kernels.sumInts(a.data(), s.get()));
    }

    @Op
    static void hashDoubles(@In DoubleArray d, Shared<Long> s) {
        s.set(Kernels.hashDoubles(d.data(), s.get()));
    }

    @Op
    static void sharedIntoInts(@In Shared<Integer> s, @In Shared<Long> l, IntArray a) {
        Kernels.sharedIntoInts(s.get(), l.get(), a.data());
    }

    @Op
    static void setLong(@Out Shared<Long> l, long value) {
        l.set(value);
    }

    @Op
    static void combine(@In Shared<Integer> s, Shared<Long> l) {
        l.set(Kernels.combine(s.get(), l.get()));
    }

    @Op
    static void scale(Shared<Integer> s, int factor) {
        s.set(Kernels.scale(s.get(), factor));
    }

    @Op
    static void sumParts(@In DoubleArray[] parts, DoubleArray target) {
        double[] out = target.data();
        for (DoubleArray part : parts) {
            Kernels.axpy(part.data(), out, 1.0);
        }
    }

    @Op
    static void scaleList(List<IntArray> list, int factor) {
        for (IntArray a : list) {
            Kernels.addInts(a.data().clone(), a.data(), factor);
        }
    }

    /** A plain receiver: its instance op folds an array into an order-sensitive value. */
    static final class Tally {
        long value = 17;

        @Op
        void fold(@In IntArray a) {
            value = value * 31 + Kernels.sumInts(a.data(), 0);
        }
    }
}
