package org.bind.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A benchmark's arguments as options, in order: {@code --name value} and {@code --name=value} give the name and its
 * value, a flag (named by the caller) stands alone with no value; {@code --help} and {@code -h} throw the usage.
 */
final class OptionPairs {
    /** One option; {@code value} is null for a flag. */
    record Option(String name, String value) {
    }

    private OptionPairs() {
    }

    static List<Option> of(String[] args, String usage) {
        return of(args, usage, Set.of());
    }

    static List<Option> of(String[] args, String usage, Set<String> flags) {
        List<Option> options = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            int eq = name.indexOf('=');
            if (name.equals("--help") || name.equals("-h")) {
                throw new IllegalArgumentException(usage);
            } else if (flags.contains(name)) {
                options.add(new Option(name, null));
            } else if (eq > 0) {
                options.add(new Option(name.substring(0, eq), name.substring(eq + 1)));
            } else if (i + 1 < args.length) {
                options.add(new Option(name, args[++i]));
            } else {
                throw new IllegalArgumentException(name + " needs a value\n" + usage);
            }
        }
        return options;
    }
}
