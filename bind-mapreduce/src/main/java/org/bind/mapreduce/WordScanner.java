package org.bind.mapreduce;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * Finds the words of UTF-8 text in its bytes and counts them in a {@link WordTable}, without a {@code String} per
 * word. A word is a maximal run of characters for which {@link Character#isLetterOrDigit(char)} holds, lower-cased
 * with {@link Locale#ROOT}: what a loop over a decoded line's {@code char}s finds, then
 * {@code line.substring(start, end).toLowerCase(Locale.ROOT)}.
 *
 * <p><b>ASCII fast path.</b> Most words are ASCII: each byte is looked up in a table that gives its lower case for a
 * letter or digit and 0 otherwise; the lower-cased bytes go to a scratch buffer while the table's hash is computed,
 * and the word is counted from there. <b>Other words.</b> At a byte of 0x80 or more the character is decoded (two
 * and three byte forms; well-formed only, as the JDK's decoder accepts them); a letter or digit starts or continues
 * a word, which is then decoded as a whole, lower-cased by {@code String.toLowerCase(Locale.ROOT)} (so that special
 * cases such as a final sigma come out as the oracle's) and counted by its UTF-8 bytes. A four-byte character is two
 * {@code char}s, surrogates, which are neither letters nor digits: it separates words, as malformed bytes do (they
 * decode to U+FFFD, which is not a letter).
 *
 * <p>Callers cut text only after an ASCII byte that is not a letter or digit ({@link #afterLastSeparator}), which
 * ends any word and is never part of a multi-byte character.
 *
 * <p>Single thread: one op owns it.
 */
final class WordScanner {
    /** Per ASCII byte: its lower case when it is a letter or digit, else 0. */
    private static final byte[] ASCII_WORD = new byte[128];

    static {
        for (int c = '0'; c <= '9'; c++) {
            ASCII_WORD[c] = (byte) c;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            ASCII_WORD[c] = (byte) c;
            ASCII_WORD[c - 'a' + 'A'] = (byte) c;
        }
    }

    private final WordTable table;
    private byte[] word = new byte[64]; // the current ASCII word, lower-cased

    WordScanner(WordTable table) {
        this.table = table;
    }

    /** Counts the words of {@code text[from, to)}, a cut that does not split a word. */
    void scan(byte[] text, int from, int to) {
        int i = from;
        while (i < to) {
            int c = text[i];
            if (c >= 0) {
                i = ASCII_WORD[c] == 0 ? i + 1 : asciiWord(text, i, to);
            } else {
                i = wordCharLength(text, i, to) == 0 ? i + 1 : mixedWord(text, i, to);
            }
        }
    }

    /** Counts the word starting with the ASCII letter or digit at {@code start}; returns where it ends. */
    private int asciiWord(byte[] text, int start, int to) {
        byte[] lower = word;
        int n = 0;
        int h = 0;
        long packed = 0;
        int i = start;
        for (; i < to; i++) {
            int c = text[i];
            if (c < 0) {
                if (wordCharLength(text, i, to) > 0) {
                    return mixedWord(text, start, to); // continues with another letter or digit
                }
                break;
            }
            byte l = ASCII_WORD[c];
            if (l == 0) {
                break;
            }
            if (n == lower.length) {
                lower = Arrays.copyOf(lower, 2 * n);
                word = lower;
            }
            packed = WordTable.pack(packed, n, l);
            lower[n++] = l;
            h = WordTable.step(h, l);
        }
        table.add(lower, 0, n, WordTable.finish(h), packed, 1);
        return i;
    }

    /** Counts the word starting at {@code start} that holds a character other than ASCII; returns where it ends. */
    private int mixedWord(byte[] text, int start, int to) {
        int i = start;
        while (i < to) {
            int c = text[i];
            int n = c >= 0 ? (ASCII_WORD[c] == 0 ? 0 : 1) : wordCharLength(text, i, to);
            if (n == 0) {
                break;
            }
            i += n;
        }
        byte[] lower = new String(text, start, i - start, StandardCharsets.UTF_8).toLowerCase(Locale.ROOT)
            .getBytes(StandardCharsets.UTF_8);
        table.add(lower, 0, lower.length, WordTable.hash(lower, 0, lower.length), 1);
        return i;
    }

    /**
     * The UTF-8 length of the character starting at {@code text[i]} (a byte of 0x80 or more) when it is well formed
     * within {@code to}, one {@code char}, and a letter or digit; else 0.
     */
    static int wordCharLength(byte[] text, int i, int to) {
        int lead = text[i] & 0xFF;
        int c;
        int n;
        if (lead >= 0xC2 && lead <= 0xDF) {
            if (i + 1 >= to || (text[i + 1] & 0xC0) != 0x80) {
                return 0;
            }
            c = ((lead & 0x1F) << 6) | (text[i + 1] & 0x3F);
            n = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            if (i + 2 >= to) {
                return 0;
            }
            int second = text[i + 1] & 0xFF;
            int low = lead == 0xE0 ? 0xA0 : 0x80;  // no overlong form
            int high = lead == 0xED ? 0x9F : 0xBF; // no surrogate
            if (second < low || second > high || (text[i + 2] & 0xC0) != 0x80) {
                return 0;
            }
            c = ((lead & 0x0F) << 12) | ((second & 0x3F) << 6) | (text[i + 2] & 0x3F);
            n = 3;
        } else {
            return 0; // a continuation byte, a four-byte form (two surrogate chars) or a byte never in UTF-8
        }
        return Character.isLetterOrDigit((char) c) ? n : 0;
    }

    /**
     * Where a cut of {@code text[0, length)} may fall: after its last ASCII byte that is not a letter or digit; 0
     * when it has none.
     */
    static int afterLastSeparator(byte[] text, int length) {
        for (int i = length - 1; i >= 0; i--) {
            int c = text[i];
            if (c >= 0 && ASCII_WORD[c] == 0) {
                return i + 1;
            }
        }
        return 0;
    }
}
