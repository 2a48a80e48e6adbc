package org.bind.bench;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.IntStream;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.bind.examples.SortData;
import org.bind.examples.SortExample;

/**
 * The Spark baseline of {@link SortBenchmark}, in a JVM of its own (Spark's class path, Spark's {@code --add-opens}
 * flags): the program a good Spark user would write. Spark in local mode on {@code --cores} cores with Kryo; the
 * input generated inside {@code --partitions} partitions by the same generator as the other systems
 * ({@link SortData}: partition {@code p} makes its share of the same sequence), cached and counted before the
 * clock starts, like the other systems' inputs; then each timed job sorts it with {@code sortBy} (a sampling job
 * for the range partitioner, a shuffle, a sort per partition) and collects one summary per sorted partition
 * (count, checksum, smallest, largest, sorted), which also checks the result. SparkContext start-up is not
 * timed. Prints {@code SORT_RESULT system=spark seconds=<each timed job> check=<ok or the failure>}.
 *
 * <p>Arguments: {@code --n N --seed S [--skewed] --reps K --warmup K --cores C --partitions P}.
 */
public final class SparkSort {
    private SparkSort() {
    }

    public static void main(String[] args) {
        long n = 0;
        long seed = 0;
        boolean skewed = false;
        int reps = 1;
        int warmup = 0;
        int cores = 1;
        int partitions = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--n" -> n = Long.parseLong(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--skewed" -> skewed = true;
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--cores" -> cores = Integer.parseInt(args[++i]);
                case "--partitions" -> partitions = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        SparkConf conf = new SparkConf()
            .setMaster("local[" + cores + "]")
            .setAppName("bind-sort-baseline")
            .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
            .set("spark.default.parallelism", Integer.toString(partitions))
            .set("spark.ui.enabled", "false")
            .set("spark.driver.host", "127.0.0.1")
            .set("spark.driver.bindAddress", "127.0.0.1");
        try (JavaSparkContext spark = new JavaSparkContext(conf)) {
            spark.setLogLevel("WARN");
            long total = n;
            int parts = partitions;
            long inputSeed = seed;
            boolean inputSkewed = skewed;
            List<Integer> ids = IntStream.range(0, partitions).boxed().toList();
            JavaRDD<Integer> input = spark.parallelize(ids, partitions).mapPartitionsWithIndex((p, unused) -> {
                int[] values = SortData.slice(SortData.partStart(total, p, parts),
                    SortData.partStart(total, p + 1, parts), inputSeed, inputSkewed);
                return IntStream.of(values).iterator();
            }, true).persist(StorageLevel.MEMORY_ONLY());
            long[] in = input.mapPartitions(values -> {
                long count = 0;
                long sum = 0;
                while (values.hasNext()) {
                    int v = values.next();
                    count++;
                    sum += SortData.mix(v);
                }
                return List.of(new long[] {count, sum}).iterator();
            }).reduce((a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
            double[] seconds = new double[reps];
            String check = "ok";
            for (int i = -warmup; i < reps; i++) {
                long start = System.nanoTime();
                List<long[]> pieces = input.sortBy(v -> v, true, partitions)
                    .mapPartitions(SparkSort::summarize).collect();
                double elapsed = (System.nanoTime() - start) / 1e9;
                if (i >= 0) {
                    seconds[i] = elapsed;
                }
                List<long[]> rows = new ArrayList<>(pieces);
                rows.add(0, SortExample.summary(in[0], in[1], new int[0], 0, 0));
                String result = SortExample.check(rows.toArray(long[][]::new), n);
                check = check.equals("ok") ? result.replace(' ', '_') : check;
            }
            System.out.println("SORT_RESULT system=spark seconds=" + SortBaselines.join(seconds) + " check=" + check
                + " partitions=" + partitions + " cores=" + cores);
        }
    }

    /** One sorted partition's summary ({@link SortExample#summary}). */
    private static Iterator<long[]> summarize(Iterator<Integer> values) {
        int[] all = new int[1024];
        int count = 0;
        while (values.hasNext()) {
            if (count == all.length) {
                all = java.util.Arrays.copyOf(all, 2 * count);
            }
            all[count++] = values.next();
        }
        return List.of(SortExample.summary(0, 0, all, 0, count)).iterator();
    }
}
