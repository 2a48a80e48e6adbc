package org.bind.examples;

import org.bind.linalg.Gemm;

/**
 * The classic tiled product of two random {@code n × n} matrices, partial products reduced along binary trees,
 * on any number of ranks ({@code bin/bindrun --example gemm -np 4 -- --n 2048 --tile 256}). Prints, on rank 0,
 * the set-up, the time, GFLOPS and the relative error on 64 entries checked against plain dot products.
 * Options: {@code --n N} (default 1024), {@code --tile T} (default 128).
 */
public final class GemmExample {
    private GemmExample() {
    }

    public static void main(String[] args) {
        MatrixProduct.main("gemm", Gemm::multiply, args);
    }
}
