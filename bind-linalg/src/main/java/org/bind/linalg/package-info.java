/**
 * Tiled matrices distributed over ranks, and matrix products written as plain sequential code over tile ops:
 * Strassen's algorithm and the classic product with binary-tree reductions, and the tiled Cholesky factorization.
 */
package org.bind.linalg;
