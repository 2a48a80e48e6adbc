package org.bind.examples;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Generated text whose word frequencies follow Zipf's law, like natural text: the word of rank {@code k}
 * (from 1) is drawn with probability proportional to {@code 1 / k}. Words are made of syllables, so they look
 * like words and are distinct: word {@code k - 1} spells {@code k - 1} in base 20 with one syllable per digit.
 *
 * <p>Single thread: one instance per generating thread.
 */
public final class ZipfText {
    /** Words per generated line. */
    public static final int WORDS_PER_LINE = 12;
    private static final String[] SYLLABLES = {"ba", "ko", "mi", "tu", "ra", "ne", "so", "li", "da", "pe", "zu", "fa",
        "go", "hi", "ju", "ve", "wo", "xe", "ya", "ci"};

    private final String[] words;
    private final double[] cumulative;
    private final SplittableRandom random;

    public ZipfText(int vocabulary, SplittableRandom random) {
        if (vocabulary < 1) {
            throw new IllegalArgumentException("vocabulary " + vocabulary + " must be at least 1");
        }
        this.words = new String[vocabulary];
        this.cumulative = new double[vocabulary];
        this.random = random;
        double sum = 0;
        for (int k = 0; k < vocabulary; k++) {
            words[k] = word(k);
            sum += 1.0 / (k + 1);
            cumulative[k] = sum;
        }
        for (int k = 0; k < vocabulary; k++) {
            cumulative[k] /= sum;
        }
    }

    /** The word of frequency rank {@code k + 1}. */
    public static String word(int k) {
        StringBuilder b = new StringBuilder();
        int rest = k;
        do {
            b.append(SYLLABLES[rest % SYLLABLES.length]);
            rest /= SYLLABLES.length;
        } while (rest > 0);
        return b.toString();
    }

    /** The next word. */
    public String next() {
        int at = Arrays.binarySearch(cumulative, random.nextDouble());
        return words[Math.min(words.length - 1, at >= 0 ? at : -at - 1)];
    }

    /** A line of {@code count} words separated by spaces. */
    public String line(int count) {
        StringBuilder b = new StringBuilder(count * 8);
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                b.append(' ');
            }
            b.append(next());
        }
        return b.toString();
    }
}
