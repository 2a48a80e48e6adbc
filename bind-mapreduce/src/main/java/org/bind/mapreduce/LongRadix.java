package org.bind.mapreduce;

/**
 * A stable least-significant-digit radix sort of {@code long} keys in signed order, carrying an optional
 * {@code int} payload: eight passes of one byte each (the top byte with its sign bit flipped), a pass skipped when
 * every key has the same byte there. Stable: equal keys keep their order, and so do their payloads.
 */
final class LongRadix {
    private LongRadix() {
    }

    /** Sorts {@code keys} (and {@code payload} alongside, when not null) in place. Any thread. */
    static void sort(long[] keys, int[] payload) {
        int n = keys.length;
        if (n < 2) {
            return;
        }
        long[] src = keys;
        long[] dst = new long[n];
        int[] srcPayload = payload;
        int[] dstPayload = payload == null ? null : new int[n];
        int[] counts = new int[256];
        for (int shift = 0; shift < 64; shift += 8) {
            java.util.Arrays.fill(counts, 0);
            long flip = shift == 56 ? 0x80 : 0;
            for (int i = 0; i < n; i++) {
                counts[(int) (((src[i] >>> shift) ^ flip) & 0xFF)]++;
            }
            if (counts[(int) (((src[0] >>> shift) ^ flip) & 0xFF)] == n) {
                continue; // every key has this digit
            }
            int sum = 0;
            for (int d = 0; d < 256; d++) {
                int c = counts[d];
                counts[d] = sum;
                sum += c;
            }
            for (int i = 0; i < n; i++) {
                int at = counts[(int) (((src[i] >>> shift) ^ flip) & 0xFF)]++;
                dst[at] = src[i];
                if (srcPayload != null) {
                    dstPayload[at] = srcPayload[i];
                }
            }
            long[] swap = src;
            src = dst;
            dst = swap;
            int[] swapPayload = srcPayload;
            srcPayload = dstPayload;
            dstPayload = swapPayload;
        }
        if (src != keys) {
            System.arraycopy(src, 0, keys, 0, n);
            if (payload != null) {
                System.arraycopy(srcPayload, 0, payload, 0, n);
            }
        }
    }
}
