package org.bind.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.bind.Bind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NBodyTest {
    /** 300 bodies in blocks of 64: five blocks, the last one of 44 bodies. */
    private static final NBody.Problem SMALL = new NBody.Problem(300, 5, 64);

    @Test
    void shouldMatchPlainDirectSummationExactly() {
        double[] cluster = NBodyKernels.cluster(SMALL.bodies(), SMALL.seed());
        double[] expected = oracle(cluster, SMALL.bodies(), SMALL.steps(), SMALL.dt());

        NBody.State result;
        try (Bind bind = Bind.init(new Bind.Context().workers(3))) {
            result = NBody.simulateWithBind(SMALL, NBody.State.initial(SMALL));
        }
        double[] bodies = NBodyKernels.flatten(result.bodies(), 4);
        double[] velocities = NBodyKernels.flatten(result.velocities(), 3);
        int n = SMALL.bodies();
        double[] actual = new double[7 * n];
        System.arraycopy(bodies, 0, actual, 0, 4 * n);
        System.arraycopy(velocities, 0, actual, 4 * n, 3 * n);

        // The blocked accumulation adds the same terms in the same order as the plain loop: bit-identical.
        assertArrayEquals(expected, actual);
    }

    @Test
    void shouldReportIdenticalResultsThroughMain() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (Bind bind = Bind.init(new Bind.Context().workers(2))) {
            status = NBody.run(bind, new String[] {"200", "3", "50"}, print(out), print(err));
        }
        String report = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, report + err.toString(StandardCharsets.UTF_8));
        String last = report.lines().reduce((first, second) -> second).orElse("");
        assertTrue(last.matches("RESULT nbody workers=2 seconds=\\S+ sequential_seconds=\\S+ speedup=\\S+ check=ok"),
            last);
    }

    @Test
    void shouldRejectBadArgumentsWithStatusTwo() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (Bind bind = Bind.init(new Bind.Context().workers(1))) {
            status = NBody.run(bind, new String[] {"many"}, print(new ByteArrayOutputStream()), print(err));
        }
        assertEquals(2, status);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("bodies 'many' is not an integer"), err::toString);
    }

    private static PrintStream print(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }

    /**
     * Direct summation over all pairs with semi-implicit Euler steps, on one flat array
     * {@code [x.., y.., z.., mass.., vx.., vy.., vz..]}: no blocks, no Bind, no shared kernel code.
     */
    private static double[] oracle(double[] initial, int n, int steps, double dt) {
        double[] s = initial.clone();
        double[] acc = new double[3 * n];
        for (int step = 0; step < steps; step++) {
            for (int i = 0; i < n; i++) {
                double ax = 0.0;
                double ay = 0.0;
                double az = 0.0;
                for (int j = 0; j < n; j++) {
                    double dx = s[j] - s[i];
                    double dy = s[n + j] - s[n + i];
                    double dz = s[2 * n + j] - s[2 * n + i];
                    double r = Math.sqrt(dx * dx + dy * dy + dz * dz + 1e-4);
                    double inverse = 1.0 / r;
                    double f = s[3 * n + j] * inverse * inverse * inverse;
                    ax += f * dx;
                    ay += f * dy;
                    az += f * dz;
                }
                acc[i] = ax;
                acc[n + i] = ay;
                acc[2 * n + i] = az;
            }
            for (int d = 0; d < 3; d++) {
                for (int i = 0; i < n; i++) {
                    s[(4 + d) * n + i] += acc[d * n + i] * dt;
                    s[d * n + i] += s[(4 + d) * n + i] * dt;
                }
            }
        }
        return s;
    }
}
