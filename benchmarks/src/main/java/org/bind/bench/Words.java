package org.bind.bench;

import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The word rule every system of {@link WordCountBenchmark} applies, and the digest that checks their results
 * equal: a word is a maximal run of letters and digits ({@link Character#isLetterOrDigit(char)}), lower-cased
 * with {@link Locale#ROOT}. The digest is order-free: distinct words, total words, and a sum of a mix of each
 * word's hash with its count, so that results held in pieces (ranks, partitions) add up.
 */
final class Words {
    private Words() {
    }

    /** Calls {@code sink} on each word of {@code line}, in order. */
    static void forEach(String line, Consumer<String> sink) {
        int n = line.length();
        int i = 0;
        while (i < n) {
            while (i < n && !Character.isLetterOrDigit(line.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && Character.isLetterOrDigit(line.charAt(i))) {
                i++;
            }
            if (i > start) {
                sink.accept(line.substring(start, i).toLowerCase(Locale.ROOT));
            }
        }
    }

    /** An order-free summary of word counts; digests of disjoint pieces {@link #plus add up}. */
    record Digest(long distinct, long total, long mix) {
        static Digest of(Map<String, ? extends Number> counts) {
            long total = 0;
            long mix = 0;
            for (Map.Entry<String, ? extends Number> e : counts.entrySet()) {
                long count = e.getValue().longValue();
                total += count;
                mix += mix(e.getKey(), count);
            }
            return new Digest(counts.size(), total, mix);
        }

        static long mix(String word, long count) {
            long h = word.hashCode() * 0x9E3779B97F4A7C15L + count;
            h ^= h >>> 33;
            h *= 0xff51afd7ed558ccdL;
            h ^= h >>> 33;
            return h;
        }

        Digest plus(Digest other) {
            return new Digest(distinct + other.distinct, total + other.total, mix + other.mix);
        }

        /** {@code distinct=.. total=.. digest=..}, the fields of a result line. */
        String fields() {
            return "distinct=" + distinct + " total=" + total + " digest=" + Long.toHexString(mix);
        }

        static Digest parse(String distinct, String total, String digest) {
            return new Digest(Long.parseLong(distinct), Long.parseLong(total), Long.parseUnsignedLong(digest, 16));
        }
    }
}
