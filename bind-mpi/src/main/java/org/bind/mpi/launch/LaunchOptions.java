package org.bind.mpi.launch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The launchers' options table: every option once, with its names, its argument and its help line. A launcher
 * lists the options it takes ({@link #LaunchOptions(String, String, Option...)}); {@link #parse} reads a command line
 * {@code [options] [-J<jvm flag>]... [--] Main [args]} against that list and {@link #usage} prints it.
 *
 * <p>Values are checked where they are read ({@link Parsed#count}, {@link Parsed#durationMs}), so that every message
 * names the option and the value it refused.
 */
final class LaunchOptions {
    /**
     * One option: {@code names} (the first is the one shown), {@code argument} (null for a switch) and the help line.
     */
    record Option(List<String> names, String argument, String help) {
        Option(String name, String argument, String help) {
            this(List.of(name), argument, help);
        }

        String name() {
            return names.get(0);
        }
    }

    static final Option RANKS = new Option("-np", "N", "number of ranks (required)");
    static final Option TRANSPORT = new Option("--transport", "aeron", "the transport between the ranks (only aeron)");
    static final Option WORKERS = new Option("--workers", "W", "worker threads per rank (-Dbind.workers=W)");
    static final Option TAG_OUTPUT = new Option("--tag-output", null, "prefixes every output line with [rank k]");
    static final Option GRACE_MS = new Option("--grace-ms", "MS",
        "how long the other ranks may run after one failed (default: the heartbeat timeout plus 3 s)");
    static final Option TIME_LIMIT = new Option("--time-limit", "DURATION",
        "ends a job that outlives DURATION (500ms, 20s, 5m, 2h): every rank prints its stacks, exit status 124");
    static final Option CLASSPATH = new Option(List.of("-cp", "-classpath", "--class-path"), "CP",
        "the program's class path (the launcher's own follows it)");
    static final Option MPJ_HOME = new Option("--mpj-home", "DIR", "MPJ Express's home (default: $MPJ_HOME)");
    static final Option MACHINES = new Option("--machines", "FILE",
        "runs the ranks on the hosts FILE lists, through the MPJ daemons running there");
    static final Option DAEMON_PORT = new Option("--daemon-port", "P", "the MPJ daemons' port for --machines");
    static final Option DATA = new Option("--data", "mpj|aeron", "what carries the frames: MPJ (default) or Aeron UDP");
    static final Option JOBS_DIR = new Option("--jobs-dir", "DIR",
        "where the job directory goes (default: the temporary directory; shared by the hosts with --machines)");
    static final Option START_TIMEOUT_MS = new Option("--start-timeout-ms", "MS",
        "how long the ranks may take to reach their main class");
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

    /** What follows the options in a launcher's usage line, unless it says otherwise. */
    static final String PROGRAM = "[-J<jvm flag>]... -cp CP [--] Main [args]";

    private final String launcher;
    private final String operands;
    private final List<Option> options;

    /** {@code operands}: what follows the options in the usage line, as {@link #PROGRAM}. */
    LaunchOptions(String launcher, String operands, Option... options) {
        this.launcher = launcher;
        this.operands = operands;
        this.options = List.of(options);
    }

    /** The parsed command line: option values by option, JVM flags, the main class and its arguments. */
    record Parsed(Map<Option, String> values, List<String> jvmFlags, String mainClass, List<String> programArgs) {
        boolean has(Option option) {
            return values.containsKey(option);
        }

        String get(Option option, String otherwise) {
            return values.getOrDefault(option, otherwise);
        }

        /** The value of {@code option} as an integer in [1, max], {@code otherwise} when absent. */
        int count(Option option, int max, int otherwise) {
            String value = values.get(option);
            if (value == null) {
                return otherwise;
            }
            try {
                int parsed = Integer.parseInt(value);
                if (parsed >= 1 && parsed <= max) {
                    return parsed;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException(option.name() + " '" + value + "' must be an integer in [1, " + max + "]");
        }

        /** The value of {@code option} as a duration in milliseconds, 0 when absent. */
        long durationMs(Option option) {
            String value = values.get(option);
            return value == null ? 0 : LaunchOptions.durationMs(option.name(), value);
        }
    }

    /**
     * Reads {@code args}: options of this launcher and {@code -J<flag>} until {@code --} or the first word that is
     * not an option, which is the main class. Throws {@link IllegalArgumentException} naming the bad word.
     */
    Parsed parse(String[] args) {
        Map<Option, String> values = new LinkedHashMap<>();
        List<String> jvmFlags = new ArrayList<>();
        int i = 0;
        while (i < args.length && args[i].startsWith("-") && !args[i].equals("--")) {
            String word = args[i];
            if (word.startsWith("-J") && word.length() > 2) {
                jvmFlags.add(word.substring(2));
                i++;
                continue;
            }
            Option option = find(word);
            if (option.argument() == null) {
                values.put(option, "");
                i++;
            } else {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(word + " needs a value");
                }
                values.put(option, args[i + 1]);
                i += 2;
            }
        }
        if (i < args.length && args[i].equals("--")) {
            i++;
        }
        if (!values.containsKey(RANKS) && options.contains(RANKS)) {
            throw new IllegalArgumentException("-np N is required");
        }
        if (i >= args.length) {
            throw new IllegalArgumentException("no main class");
        }
        return new Parsed(values, List.copyOf(jvmFlags), args[i], List.of(args).subList(i + 1, args.length));
    }

    private Option find(String word) {
        for (Option option : options) {
            if (option.names().contains(word)) {
                return option;
            }
        }
        throw new IllegalArgumentException("unknown option " + word);
    }

    /** The usage line and one help line per option. */
    String usage() {
        StringBuilder line = new StringBuilder("usage: " + launcher);
        StringBuilder help = new StringBuilder();
        for (Option option : options) {
            String shown = option.name() + (option.argument() == null ? "" : " " + option.argument());
            line.append(option == RANKS ? " " + shown : option == CLASSPATH ? "" : " [" + shown + "]");
            help.append(String.format("%n  %-26s %s", String.join(", ", option.names())
                + (option.argument() == null ? "" : " " + option.argument()), option.help()));
        }
        line.append(' ').append(operands);
        if (operands.contains("-J")) {
            help.append(String.format("%n  %-26s %s", "-J<flag>", "passes <flag> to every rank's JVM"));
        }
        return line.append(help).toString();
    }

    /** {@code value} as milliseconds: a positive integer with a unit {@code ms}, {@code s}, {@code m} or {@code h}. */
    static long durationMs(String flag, String value) {
        Matcher m = DURATION.matcher(value.trim());
        if (m.matches() && Long.parseLong(m.group(1)) > 0) {
            long amount = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> amount;
                case "s" -> TimeUnit.SECONDS.toMillis(amount);
                case "m" -> TimeUnit.MINUTES.toMillis(amount);
                default -> TimeUnit.HOURS.toMillis(amount);
            };
        }
        throw new IllegalArgumentException(flag + " '" + value + "' is not a duration such as 500ms, 20s, 5m or 2h");
    }

    /** This host's name as the launcher and its ranks on this host both see it; empty when it cannot be found. */
    static String localHostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "";
        }
    }
}
