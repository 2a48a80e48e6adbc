package org.bind.examples;

import org.bind.linalg.Strassen;

/**
 * Strassen's product of two random {@code n × n} matrices in tiles, on any number of ranks
 * ({@code bin/bindrun --example strassen -np 4 -- --n 2048 --tile 256}). Prints, on rank 0, the set-up, the time,
 * GFLOPS (counting the classic {@code 2n³}) and the relative error on 64 entries checked against plain dot
 * products. Options: {@code --n N} (default 1024), {@code --tile T} (default 128).
 */
public final class StrassenExample {
    private StrassenExample() {
    }

    public static void main(String[] args) {
        MatrixProduct.main("strassen", Strassen::multiply, args);
    }
}
