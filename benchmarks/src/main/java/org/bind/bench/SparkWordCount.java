package org.bind.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

/**
 * The Spark baseline of {@link WordCountBenchmark}, in a JVM of its own (Spark's class path and flags): the word
 * count a Spark user writes, {@code textFile}, {@code flatMap} to words, {@code mapToPair} to {@code (word, 1)},
 * {@code reduceByKey}, {@code collect}; local mode on {@code CORES} cores with Kryo. Each timed job reads the file.
 * SparkContext start-up is not timed. Prints {@code WC_RESULT system=spark seconds=.. distinct=.. total=..
 * digest=..}. Arguments: {@code FILE WARMUP REPS CORES PARTITIONS}.
 */
public final class SparkWordCount {
    private SparkWordCount() {
    }

    public static void main(String[] args) {
        String file = args[0];
        int warmup = Integer.parseInt(args[1]);
        int reps = Integer.parseInt(args[2]);
        int cores = Integer.parseInt(args[3]);
        int partitions = Integer.parseInt(args[4]);
        SparkConf conf = new SparkConf()
            .setMaster("local[" + cores + "]")
            .setAppName("bind-wordcount-baseline")
            .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
            .set("spark.default.parallelism", Integer.toString(partitions))
            .set("spark.ui.enabled", "false")
            .set("spark.driver.host", "127.0.0.1")
            .set("spark.driver.bindAddress", "127.0.0.1");
        try (JavaSparkContext spark = new JavaSparkContext(conf)) {
            spark.setLogLevel("WARN");
            double[] seconds = new double[reps];
            List<Tuple2<String, Long>> result = List.of();
            for (int i = -warmup; i < reps; i++) {
                long start = System.nanoTime();
                result = spark.textFile(file, partitions)
                    .flatMap(line -> {
                        List<String> words = new ArrayList<>();
                        Words.forEach(line, words::add);
                        return words.iterator();
                    })
                    .mapToPair(word -> new Tuple2<>(word, 1L))
                    .reduceByKey(Long::sum, partitions)
                    .collect();
                if (i >= 0) {
                    seconds[i] = (System.nanoTime() - start) / 1e9;
                }
            }
            Map<String, Long> counts = new HashMap<>();
            for (Tuple2<String, Long> pair : result) {
                counts.put(pair._1(), pair._2());
            }
            System.out.println("WC_RESULT system=spark seconds=" + SortBaselines.join(seconds) + " "
                + Words.Digest.of(counts).fields());
        }
    }
}
