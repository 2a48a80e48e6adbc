package org.bind.examples;

/**
 * The options {@code --n N --tile T} of the linear-algebra samples, each optional and in any order; a tile not
 * given is 0 (the sample picks its default).
 */
record SizeAndTile(int n, int tile) {
    static SizeAndTile parse(int nDefault, String... args) {
        int n = nDefault;
        int tile = 0;
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (!option.equals("--n") && !option.equals("--tile")) {
                throw new IllegalArgumentException("unknown option " + option + "; expected --n N, --tile T");
            }
            if (i + 1 == args.length) {
                throw new IllegalArgumentException("option " + option + " needs a value");
            }
            String text = args[++i];
            int value;
            try {
                value = Integer.parseInt(text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("option " + option + ": " + text + " is not an integer", e);
            }
            if (option.equals("--n")) {
                n = value;
            } else {
                tile = value;
            }
        }
        return new SizeAndTile(n, tile);
    }
}
