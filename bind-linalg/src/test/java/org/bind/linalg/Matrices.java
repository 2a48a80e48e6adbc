package org.bind.linalg;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.bind.Bind;
import org.bind.transport.inproc.InProcJob;

/** Plain matrices for the tests: random values, the triple loop, errors, and jobs on in-JVM ranks. */
final class Matrices {
    static final long JOB_TIMEOUT_SECONDS = 60;

    private Matrices() {
    }

    /** An {@code n × n} row-major matrix of values uniform in [-1, 1). */
    static double[] random(int n, long seed) {
        Random random = new Random(seed);
        double[] values = new double[n * n];
        for (int i = 0; i < values.length; i++) {
            values[i] = 2 * random.nextDouble() - 1;
        }
        return values;
    }

    /**
     * A random symmetric positive definite {@code n × n} matrix, row-major: {@code M·Mᵀ/n + I} for {@code M} of
     * {@link #random} values (eigenvalues at least 1, condition number a few units).
     */
    static double[] spd(int n, long seed) {
        double[] m = random(n, seed);
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double sum = 0;
                for (int k = 0; k < n; k++) {
                    sum += m[i * n + k] * m[j * n + k];
                }
                a[i * n + j] = sum / n + (i == j ? 1 : 0);
                a[j * n + i] = a[i * n + j];
            }
        }
        return a;
    }

    /** The lower Cholesky factor of {@code a}, row-major, by the textbook loop (Cholesky–Banachiewicz). */
    static double[] cholesky(double[] a, int n) {
        double[] l = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double sum = a[i * n + j];
                for (int k = 0; k < j; k++) {
                    sum -= l[i * n + k] * l[j * n + k];
                }
                if (i == j) {
                    if (sum <= 0) {
                        throw new ArithmeticException("not positive definite at " + i);
                    }
                    l[i * n + i] = Math.sqrt(sum);
                } else {
                    l[i * n + j] = sum / l[j * n + j];
                }
            }
        }
        return l;
    }

    /** {@code a·b}, row-major, by the textbook triple loop. */
    static double[] multiply(double[] a, double[] b, int n) {
        double[] c = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int k = 0; k < n; k++) {
                    sum += a[i * n + k] * b[k * n + j];
                }
                c[i * n + j] = sum;
            }
        }
        return c;
    }

    /** {@code ‖actual - expected‖ / ‖expected‖} in the Frobenius norm. */
    static double relativeError(double[] actual, double[] expected) {
        if (actual.length != expected.length) {
            throw new IllegalArgumentException(actual.length + " values, expected " + expected.length);
        }
        double difference = 0;
        double norm = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = actual[i] - expected[i];
            difference += d * d;
            norm += expected[i] * expected[i];
        }
        return Math.sqrt(difference / norm);
    }

    /**
     * Runs {@code program} on {@code ranks} in-JVM ranks of {@code workers} workers each (a stack dump and a
     * failure after {@link #JOB_TIMEOUT_SECONDS}); element r of the result is what rank r returned.
     */
    static Object[] run(int ranks, int workers, Function<Bind, Object> program) {
        Object[] results = new Object[ranks];
        InProcJob.run(ranks, () -> new Bind.Context().workers(workers), JOB_TIMEOUT_SECONDS, TimeUnit.SECONDS,
            bind -> {
                Object result = program.apply(bind);
                synchronized (results) {
                    results[bind.rank()] = result;
                }
            });
        synchronized (results) {
            return results.clone();
        }
    }
}
