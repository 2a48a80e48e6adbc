package org.bind.multi;

import java.util.Arrays;

import org.bind.In;
import org.bind.IntArray;
import org.bind.Op;
import org.bind.Out;

/** The two ops the multi-rank failure tests place on ranks: one writes an array, the other reads it into another. */
final class IntOps {
    private IntOps() {
    }

    @Op
    static void fill(@Out IntArray a, int value) {
        Arrays.fill(a.data(), value);
    }

    @Op
    static void copy(@In IntArray a, @Out IntArray b) {
        System.arraycopy(a.data(), 0, b.data(), 0, b.data().length);
    }
}
