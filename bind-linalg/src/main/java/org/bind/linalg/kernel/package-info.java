/**
 * Tile kernels: matrix products of column-major {@code t × t} tiles through OpenBLAS, a pure-Java fallback picked
 * automatically where OpenBLAS cannot load, and the element-wise sums of Strassen's algorithm.
 */
package org.bind.linalg.kernel;
