package org.bind.examples;

import java.util.SplittableRandom;

/**
 * The N-body kernels on plain arrays, shared by the Bind run (through the ops in {@link NBody}) and the
 * sequential baseline, so both compute exactly the same thing.
 *
 * <p>A block of {@code n} bodies is stored as structure-of-arrays: {@code bodies = [x0..xn-1, y.., z.., mass..]}
 * (length {@code 4n}); velocities and accelerations as {@code [x.., y.., z..]} (length {@code 3n}). Units have
 * G = 1. Thread safe: the methods only touch the arrays they are given.
 */
public final class NBodyKernels {
    /** Plummer softening length squared: keeps close encounters finite. */
    public static final double SOFTENING2 = 1e-4;

    private NBodyKernels() {
    }

    /**
     * Adds to {@code acc} the acceleration that the bodies of block {@code bj} cause on those of block {@code bi}.
     * Each body's sum continues from its current value, so accumulating blocks {@code 0, 1, ...} in order adds
     * the same terms in the same order as one loop over all bodies.
     */
    public static void accumulate(double[] bi, double[] bj, double[] acc) {
        int ni = bi.length / 4;
        int nj = bj.length / 4;
        for (int i = 0; i < ni; i++) {
            double xi = bi[i];
            double yi = bi[ni + i];
            double zi = bi[2 * ni + i];
            double ax = acc[i];
            double ay = acc[ni + i];
            double az = acc[2 * ni + i];
            for (int j = 0; j < nj; j++) {
                double dx = bj[j] - xi;
                double dy = bj[nj + j] - yi;
                double dz = bj[2 * nj + j] - zi;
                double r2 = dx * dx + dy * dy + dz * dz + SOFTENING2;
                double inverse = 1.0 / Math.sqrt(r2);
                double s = bj[3 * nj + j] * inverse * inverse * inverse;
                ax += s * dx;
                ay += s * dy;
                az += s * dz;
            }
            acc[i] = ax;
            acc[ni + i] = ay;
            acc[2 * ni + i] = az;
        }
    }

    /** One semi-implicit Euler step: velocities take the acceleration, then positions the new velocities. */
    public static void advance(double[] bodies, double[] velocities, double[] acc, double dt) {
        int n = bodies.length / 4;
        for (int k = 0; k < 3 * n; k++) {
            velocities[k] += acc[k] * dt;
            bodies[k] += velocities[k] * dt;
        }
    }

    /**
     * Total energy (kinetic plus softened potential) of bodies given block by block; a sanity figure: it should
     * stay nearly constant over a run.
     */
    public static double energy(double[][] bodies, double[][] velocities) {
        double[] all = flatten(bodies, 4);
        double[] vel = flatten(velocities, 3);
        int n = all.length / 4;
        double kinetic = 0;
        double potential = 0;
        for (int i = 0; i < n; i++) {
            double mass = all[3 * n + i];
            double v2 = vel[i] * vel[i] + vel[n + i] * vel[n + i] + vel[2 * n + i] * vel[2 * n + i];
            kinetic += 0.5 * mass * v2;
            for (int j = i + 1; j < n; j++) {
                double dx = all[j] - all[i];
                double dy = all[n + j] - all[n + i];
                double dz = all[2 * n + j] - all[2 * n + i];
                potential -= mass * all[3 * n + j] / Math.sqrt(dx * dx + dy * dy + dz * dz + SOFTENING2);
            }
        }
        return kinetic + potential;
    }

    /**
     * A reproducible cluster: {@code count} bodies of mass {@code 1/count} spread uniformly in the unit ball, with
     * small random velocities. Returns {@code [x.., y.., z.., mass.., vx.., vy.., vz..]} (length {@code 7 count}).
     */
    public static double[] cluster(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] state = new double[7 * count];
        for (int i = 0; i < count; i++) {
            double x;
            double y;
            double z;
            do {
                x = 2 * random.nextDouble() - 1;
                y = 2 * random.nextDouble() - 1;
                z = 2 * random.nextDouble() - 1;
            } while (x * x + y * y + z * z > 1);
            state[i] = x;
            state[count + i] = y;
            state[2 * count + i] = z;
            state[3 * count + i] = 1.0 / count;
            for (int d = 0; d < 3; d++) {
                state[(4 + d) * count + i] = 0.1 * (2 * random.nextDouble() - 1);
            }
        }
        return state;
    }

    /**
     * Joins per-block arrays of {@code fields} components each ({@code [f0 of the block.., f1 of the block.., ...]})
     * into one array of the same layout over all bodies.
     */
    public static double[] flatten(double[][] blocks, int fields) {
        int total = 0;
        for (double[] block : blocks) {
            total += block.length / fields;
        }
        double[] all = new double[fields * total];
        int offset = 0;
        for (double[] block : blocks) {
            int n = block.length / fields;
            for (int f = 0; f < fields; f++) {
                System.arraycopy(block, f * n, all, f * total + offset, n);
            }
            offset += n;
        }
        return all;
    }
}
