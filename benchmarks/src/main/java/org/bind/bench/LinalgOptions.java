package org.bind.bench;

/**
 * Settings of the linear-algebra benchmarks, from {@code --name value} or {@code --name=value} arguments.
 *
 * @param n     matrix side
 * @param tile  tile side (divides n)
 * @param reps  measured repetitions (the result line reports medians)
 * @param ranks ranks (processes) for the distributed runs
 */
record LinalgOptions(int n, int tile, int reps, int ranks) {
    LinalgOptions {
        if (n < 1 || tile < 1 || tile > n || n % tile != 0) {
            throw new IllegalArgumentException("--tile " + tile + " must divide --n " + n);
        }
    }

    /** Parses {@code args}; unset options take the defaults, the tile {@code defaultTile(n)}. */
    static LinalgOptions parse(String[] args, String usage, int nDefault, java.util.function.IntUnaryOperator
                               defaultTile, int repsDefault, int ranksDefault) {
        int n = nDefault;
        int tile = 0;
        int reps = repsDefault;
        int ranks = ranksDefault;
        for (OptionPairs.Option option : OptionPairs.of(args, usage)) {
            String name = option.name();
            String value = option.value();
            switch (name) {
                case "--n" -> n = positive(name, value);
                case "--tile" -> tile = positive(name, value);
                case "--reps" -> reps = positive(name, value);
                case "--ranks" -> ranks = positive(name, value);
                default -> throw new IllegalArgumentException("unknown option " + name + "\n" + usage);
            }
        }
        if (tile == 0) {
            tile = defaultTile.applyAsInt(n);
        }
        return new LinalgOptions(n, tile, reps, ranks);
    }

    /** {@code n / tiles} when it divides evenly and is at least 64, else {@code n}. */
    static int defaultTile(int n, int tiles) {
        return n % tiles == 0 && n / tiles >= 64 ? n / tiles : n;
    }

    private static int positive(String name, String value) {
        try {
            int parsed = Integer.parseInt(value.replace("_", ""));
            if (parsed < 1) {
                throw new IllegalArgumentException(name + " " + value + " must be positive");
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": " + value + " is not an integer", e);
        }
    }

    @Override
    public String toString() {
        return "n=" + n + " tile=" + tile + " reps=" + reps + " ranks=" + ranks;
    }
}
