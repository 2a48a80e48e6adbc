package org.bind.bench;

import java.util.function.Consumer;

import org.bind.Bind;
import org.bind.DoubleArray;

/**
 * Task Bench's stencil pattern on the runtime: {@code width} columns, {@code steps} timesteps; the op at
 * {@code (t, x)} reads columns {@code x-1, x, x+1} (clamped at the edges) of step {@code t-1} and writes column
 * {@code x} of step {@code t}, computing for a fixed time.
 *
 * <p>Each column has one small {@link DoubleArray} per step parity (double buffering): step {@code t} reads the
 * parity {@code t-1} objects with {@code @In} and writes the parity {@code t} object with {@code @Out}. Because a
 * write makes a new version, the write at step {@code t} does not wait for the readers of step {@code t-1}:
 * the only edges are the stencil's own read-after-write ones.
 *
 * <p>Program thread only.
 */
final class Stencil {
    private final Bind bind;
    private final int width;

    Stencil(Bind bind, int width) {
        this.bind = bind;
        this.width = width;
    }

    /**
     * Submits {@code steps} timesteps whose ops spin {@code spinIterations} each, syncs, checks the result
     * (telling {@code wrong} when it is not right) and returns the wall time in ns.
     */
    long run(int steps, int spinIterations, Progress progress, Consumer<String> wrong) {
        DoubleArray[][] columns = new DoubleArray[2][width];
        for (int parity = 0; parity < 2; parity++) {
            for (int x = 0; x < width; x++) {
                columns[parity][x] = DoubleArray.of(2);
            }
        }
        long submitted = 0;
        long t0 = System.nanoTime();
        for (int t = 1; t <= steps; t++) {
            DoubleArray[] previous = columns[(t - 1) & 1];
            DoubleArray[] next = columns[t & 1];
            for (int x = 0; x < width; x++) {
                OverheadOps.stencil(previous[Math.max(x - 1, 0)], previous[x], previous[Math.min(x + 1, width - 1)],
                    next[x], spinIterations);
            }
            submitted += width;
            if ((t & 255) == 0) {
                progress.submitted(submitted);
            }
        }
        progress.submitted(submitted);
        bind.sync();
        long wallNs = System.nanoTime() - t0;
        for (DoubleArray column : columns[steps & 1]) {
            double[] value = column.toArray();
            if (value[0] != steps) {
                wrong.accept("stencil " + column + " holds step " + value[0] + " after " + steps
                    + " steps: an op did not see the versions of the previous step");
            }
        }
        return wallNs;
    }

    /** Timesteps for tasks of {@code micros} µs: {@code idealMs} of compute per worker, within the op cap. */
    int stepsFor(double micros, double idealMs, int workers, int maxOps) {
        double perStepUs = micros * Math.ceil(width / (double) workers);
        long steps = Math.round(idealMs * 1_000.0 / perStepUs);
        long maxSteps = Math.max(1, maxOps / width);
        return (int) Math.max(Math.min(20, maxSteps), Math.min(steps, maxSteps));
    }
}
