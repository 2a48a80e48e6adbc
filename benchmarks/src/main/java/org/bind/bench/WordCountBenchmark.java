package org.bind.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.bind.mpi.launch.ProcessLauncher;

/**
 * Word count on real text, Bind against what a user would otherwise write, each system in JVMs of its own, one
 * after the other, on the same file and cores: <b>Bind</b> {@code KVPairs} on {@code --ranks} processes over Aeron
 * ({@link WordCountRank}); a sequential <b>{@code HashMap}</b> and <b>parallel streams</b>
 * ({@link WordCountBaselines}); <b>Spark</b> local mode with Kryo, {@code reduceByKey} ({@link SparkWordCount}).
 * The corpus is built first from the text Debian installs ({@link WordCorpus}). Every timed run reads the file
 * (from the page cache after the warm-up) and counts; times are medians of {@code --reps} runs after
 * {@code --warmup}. The four results must be equal (distinct words, total, order-free digest).
 *
 * <p>Usage: {@code bin/bench wordcount [--ranks R] [--mb M] [--reps K] [--warmup K] [--workers-per-rank W]
 * [--no-spark]}. The last line is {@code RESULT wordcount mb=.. ranks=.. seconds=.. hashmap_seconds=..
 * streams_seconds=.. spark_seconds=.. speedup_vs_streams=.. speedup_vs_spark=..}. Exit status 1 when a result
 * differs or a system fails, 2 for bad arguments.
 */
public final class WordCountBenchmark {
    private final PrintStream out = System.out;
    private int ranks = 1;
    private long mb = 100;
    private int reps = 3;
    private int warmup = 1;
    private int workers;
    private boolean spark = true;
    private final int cores = Runtime.getRuntime().availableProcessors();

    private WordCountBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        WordCountBenchmark bench = new WordCountBenchmark();
        try {
            bench.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("wordcount: " + e.getMessage() + "\nusage: bin/bench wordcount [--ranks R] [--mb M]"
                + " [--reps K] [--warmup K] [--workers-per-rank W] [--no-spark]");
            System.exit(2);
            return;
        }
        System.exit(bench.run() ? 0 : 1);
    }

    private void parse(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (name.equals("--no-spark")) {
                spark = false;
                continue;
            }
            if (i + 1 == args.length) {
                throw new IllegalArgumentException("option " + name + " needs a value");
            }
            long value;
            try {
                value = Long.parseLong(args[++i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("option " + name + " needs an integer, got '" + args[i] + "'");
            }
            switch (name) {
                case "--ranks" -> ranks = (int) within(name, value, 1, 64);
                case "--mb" -> mb = within(name, value, 1, 100_000);
                case "--reps" -> reps = (int) within(name, value, 1, 1000);
                case "--warmup" -> warmup = (int) within(name, value, 0, 1000);
                case "--workers-per-rank" -> workers = (int) within(name, value, 1, 4096);
                default -> throw new IllegalArgumentException("unknown option " + name);
            }
        }
        if (workers == 0) {
            workers = Math.max(1, cores / ranks);
        }
    }

    private static long within(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " " + value + " out of range [" + min + ", " + max + "]");
        }
        return value;
    }

    private boolean run() throws IOException {
        out.printf(Locale.ROOT, "Bind word count benchmark: JDK %s, %d processors, load average %.2f at start%n",
            Runtime.version(), cores, loadAverage());
        WordCorpus.Built corpus = WordCorpus.build(mb * 1_000_000);
        out.println("corpus " + corpus.file() + ": " + corpus.describe());
        out.printf(Locale.ROOT, "Bind: %d rank(s) x %d worker(s); streams: common pool of %d; Spark local[%d];"
            + " %d timed runs after %d warm-up, each reading the file%n%n", ranks, workers, cores, cores, reps, warmup);
        String file = corpus.file().toString();
        try {
            Result bind = runBind(file);
            report("Bind KVPairs, " + ranks + " rank(s) x " + workers + " worker(s)", bind);
            List<String> lines = SortBenchmark.Child.run(javaCommand(System.getProperty("java.class.path"),
                "-Djava.util.concurrent.ForkJoinPool.common.parallelism=" + cores, WordCountBaselines.class.getName(),
                file, Integer.toString(warmup), Integer.toString(reps)), null).lines();
            Result hashMap = Result.parse("hashmap", lines);
            report("sequential HashMap", hashMap);
            Result streams = Result.parse("streams", lines);
            report("parallel streams, groupingByConcurrent", streams);
            Result sparkResult = spark ? runSpark(file) : Result.missing("skipped (--no-spark)");
            report("Spark local[" + cores + "], Kryo, reduceByKey", sparkResult);

            boolean equal = true;
            for (Result other : new Result[] {hashMap, streams, sparkResult}) {
                if (other.digest() != null && !other.digest().equals(bind.digest())) {
                    out.println("MISMATCH: " + other.digest() + " differs from Bind's " + bind.digest());
                    equal = false;
                }
            }
            if (equal && bind.digest() != null) {
                out.println("all results equal: " + bind.digest().fields());
            }
            double s = bind.median();
            out.printf(Locale.ROOT, "%nload average %.2f at the end (the machine may be shared: compare only figures"
                + " of one run)%n", loadAverage());
            out.printf(Locale.ROOT, "RESULT wordcount mb=%d ranks=%d seconds=%.4f hashmap_seconds=%.4f"
                    + " streams_seconds=%.4f spark_seconds=%.4f speedup_vs_streams=%.2f speedup_vs_spark=%.2f%n", mb,
                ranks, s, hashMap.median(), streams.median(), sparkResult.median(), streams.median() / s,
                sparkResult.median() / s);
            return equal && bind.digest() != null && hashMap.digest() != null && streams.digest() != null
                && (sparkResult.digest() != null || !spark);
        } finally {
            Files.deleteIfExists(corpus.file());
        }
    }

    private Result runBind(String file) {
        int heapMb = (int) Math.max(1024, Math.min(6144, mb * 40 / ranks + 512));
        List<String> args = new ArrayList<>(List.of("-np", Integer.toString(ranks), "--workers",
            Integer.toString(workers), "-J-Xms" + heapMb + "m", "-J-Xmx" + heapMb + "m"));
        for (String flag : SortBenchmark.MEASURED_JVM_FLAGS) {
            args.add("-J" + flag);
        }
        args.addAll(List.of("-cp", "", "--", WordCountRank.class.getName(), file, Integer.toString(warmup),
            Integer.toString(reps)));
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int status;
        try (PrintStream ranksOut = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            status = ProcessLauncher.run(args.toArray(String[]::new), ranksOut, System.err);
        }
        List<String> lines = List.of(captured.toString(StandardCharsets.UTF_8).split("\n"));
        Words.Digest digest = null;
        double[] seconds = null;
        int found = 0;
        for (String line : lines) {
            if (line.startsWith("WC_RESULT system=bind ")) {
                Result rank = Result.parse("bind", List.of(line));
                digest = digest == null ? rank.digest() : digest.plus(rank.digest());
                if (line.contains(" rank=0 ")) {
                    seconds = rank.seconds().values();
                }
                found++;
            }
        }
        if (found != ranks || seconds == null) {
            return Result.missing("failed: exit status " + status + ", " + found + " of " + ranks + " rank results");
        }
        return new Result(new Samples(seconds), digest, "");
    }

    private Result runSpark(String file) throws IOException {
        String classpath;
        try {
            classpath = SortBenchmark.sparkClasspath();
        } catch (IllegalStateException e) {
            return Result.missing("not run: " + e.getMessage());
        }
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xms4g", "-Xmx4g"));
        command.addAll(SortBenchmark.MEASURED_JVM_FLAGS);
        command.addAll(SortBenchmark.SPARK_JVM_FLAGS);
        command.addAll(List.of("-cp", classpath, SparkWordCount.class.getName(), file, Integer.toString(warmup),
            Integer.toString(reps), Integer.toString(cores), Integer.toString(Math.max(2, cores * 2))));
        Path log = Files.createTempFile("bind-wordcount-spark-", ".log");
        Result result = Result.parse("spark", SortBenchmark.Child.run(command, log).lines());
        if (result.digest() == null) {
            System.err.println("bench: Spark's output is in " + log);
        } else {
            Files.deleteIfExists(log);
        }
        return result;
    }

    private List<String> javaCommand(String classpath, String flag, String main, String... args) {
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xms3g", "-Xmx3g"));
        command.addAll(SortBenchmark.MEASURED_JVM_FLAGS);
        command.addAll(List.of(flag, "-cp", classpath, main));
        command.addAll(Arrays.asList(args));
        return command;
    }

    private void report(String label, Result r) {
        if (r.seconds() == null) {
            out.printf(Locale.ROOT, "%-48s %s%n", label, r.failure());
            return;
        }
        out.printf(Locale.ROOT, "%-48s median %8.3f s  min %8.3f  max %8.3f  %s%n", label, r.median(),
            r.seconds().min(), r.seconds().max(), r.digest().fields());
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    /** One system's timed runs and result digest, or why there are none. */
    record Result(Samples seconds, Words.Digest digest, String failure) {
        static Result missing(String why) {
            return new Result(null, null, why);
        }

        double median() {
            return seconds == null ? Double.NaN : seconds.median();
        }

        /** Reads {@code WC_RESULT system=<system> ... seconds=a,b distinct=.. total=.. digest=..}. */
        static Result parse(String system, List<String> lines) {
            for (String line : lines) {
                if (line.startsWith("WC_RESULT system=" + system + " ")) {
                    java.util.Map<String, String> fields = new java.util.HashMap<>();
                    for (String pair : line.split(" ")) {
                        int eq = pair.indexOf('=');
                        if (eq > 0) {
                            fields.put(pair.substring(0, eq), pair.substring(eq + 1));
                        }
                    }
                    double[] values = Arrays.stream(fields.get("seconds").split(","))
                        .mapToDouble(Double::parseDouble).toArray();
                    return new Result(new Samples(values), Words.Digest.parse(fields.get("distinct"),
                        fields.get("total"), fields.get("digest")), "");
                }
            }
            return missing("failed: no result line");
        }
    }
}
