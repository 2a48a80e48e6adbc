package org.bind.linalg;

/**
 * A near-square grid of ranks, {@code rows × cols = size} with {@code rows} the largest divisor of {@code size}
 * not above its square root (2 ranks: 1 × 2, 4: 2 × 2, 6: 2 × 3). Tiles are dealt over it block-cyclically: tile
 * {@code (ti, tj)} goes to the rank at grid position {@code (ti mod rows, tj mod cols)}, so every rank gets tiles
 * of every block row and block column.
 *
 * @param rows grid rows
 * @param cols grid columns
 */
public record RankGrid(int rows, int cols) {
    public RankGrid {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("rank grid " + rows + " x " + cols + " must be at least 1 x 1");
        }
    }

    /** The near-square grid of {@code size} ranks. */
    public static RankGrid of(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("rank count " + size + " must be at least 1");
        }
        int rows = (int) Math.sqrt(size);
        while (size % rows != 0) {
            rows--;
        }
        return new RankGrid(rows, size / rows);
    }

    public int size() {
        return rows * cols;
    }

    /** The rank holding tile {@code (ti, tj)}. */
    public int owner(int ti, int tj) {
        return (ti % rows) * cols + tj % cols;
    }
}
