package org.bind.linalg;

import java.util.Locale;

import org.bind.Bind;
import org.bind.linalg.kernel.Kernels;

/**
 * Run in a child JVM by {@link FallbackTest}: multiplies with both algorithms and factors with Cholesky, then prints
 * the kernels and the three errors.
 */
public final class FallbackProbe {
    private FallbackProbe() {
    }

    public static void main(String[] args) {
        int n = 96;
        double[] a = Matrices.random(n, 1);
        double[] b = Matrices.random(n, 2);
        double[] expected = Matrices.multiply(a, b, n);
        double[] spd = Matrices.spd(n, 3);
        double[] factor = Matrices.cholesky(spd, n);
        try (Bind bind = Bind.init(args)) {
            double[] strassen = Strassen.multiply(TiledMatrix.of(a, n, 16), TiledMatrix.of(b, n, 16)).gather();
            double[] gemm = Gemm.multiply(TiledMatrix.of(a, n, 32), TiledMatrix.of(b, n, 32)).gather();
            double[] cholesky = Cholesky.factor(TiledMatrix.of(spd, n, 20)).gather(); // ragged: 96 = 4·20 + 16
            System.out.println("kernels " + Kernels.active().name());
            System.out.println(String.format(Locale.ROOT, "errors %.3e %.3e %.3e",
                Matrices.relativeError(strassen, expected), Matrices.relativeError(gemm, expected),
                Matrices.relativeError(cholesky, factor)));
        }
    }
}
