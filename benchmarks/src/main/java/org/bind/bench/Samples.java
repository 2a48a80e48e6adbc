package org.bind.bench;

import java.util.Arrays;

/** The values one measurement took over its repetitions. Immutable. */
record Samples(double[] values) {
    Samples {
        if (values.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        values = values.clone();
        Arrays.sort(values);
    }

    /** The median (mean of the middle two for an even count). */
    double median() {
        int n = values.length;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }

    double min() {
        return values[0];
    }

    double max() {
        return values[values.length - 1];
    }
}
