package org.bind.examples;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

import org.bind.Bind;
import org.bind.ByteArray;
import org.bind.In;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;
import org.bind.Shared;

/**
 * Results that every rank can read: each rank fills a phrase of its own (even ranks with {@code 'a'}, odd ranks
 * with {@code 'b'}) and hashes it into a shared value with 64-bit FNV-1a. The phrases stay where they were
 * made; only the hashes, written inside {@code bind.on(r)}, are broadcast.
 *
 * <p>Every rank prints {@code rank r: k distinct hashes [...]}: one hash with one rank, two with more.
 */
public final class SharedHashExample {
    /** Bytes per phrase. */
    public static final int PHRASE_BYTES = 256;
    /** FNV-1a 64-bit offset basis. */
    public static final long FNV_OFFSET_BASIS = 0xcbf29ce484222325L;
    /** FNV-1a 64-bit prime. */
    public static final long FNV_PRIME = 0x100000001b3L;

    private SharedHashExample() {
    }

    public static void main(String[] args) {
        try (Bind bind = Bind.init(args)) {
            long[] distinct = run(bind);
            System.out.println("rank " + bind.rank() + ": " + distinct.length + " distinct hashes " + format(distinct));
        }
    }

    /** Runs the example. Program thread. Returns the distinct hashes of all ranks' phrases, sorted, on every rank. */
    @SuppressWarnings("unchecked")
    public static long[] run(Bind bind) {
        int ranks = bind.size();
        ByteArray[] phrases = new ByteArray[ranks];
        Shared<Long>[] hashes = new Shared[ranks];
        for (int r = 0; r < ranks; r++) {
            phrases[r] = ByteArray.of(PHRASE_BYTES);
            hashes[r] = Shared.of(0L);
            try (Scope s = bind.on(r)) {
                fill(phrases[r], (byte) ('a' + r % 2));
                hash(phrases[r], hashes[r]);
            }
        }
        bind.sync();
        return Arrays.stream(hashes).mapToLong(Shared::get).distinct().sorted().toArray();
    }

    /** Hashes as {@code [0x..., 0x...]}. */
    public static String format(long[] hashes) {
        return Arrays.stream(hashes).mapToObj(h -> String.format(Locale.ROOT, "0x%016x", h))
            .collect(Collectors.joining(", ", "[", "]"));
    }

    @Op
    private static void fill(@Out ByteArray phrase, byte letter) {
        Arrays.fill(phrase.data(), letter);
    }

    @Op
    private static void hash(@In ByteArray phrase, @Out Shared<Long> hash) {
        long h = FNV_OFFSET_BASIS;
        for (byte b : phrase.data()) {
            h ^= b & 0xff;
            h *= FNV_PRIME;
        }
        hash.set(h);
    }
}
