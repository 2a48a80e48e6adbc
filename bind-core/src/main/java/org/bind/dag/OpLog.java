package org.bind.dag;

import java.util.Arrays;

/**
 * What this rank submitted in the current epoch, for the divergence check at {@code sync()}: a rolling hash of
 * every op (method, access modes, object ids, placement), checkpoints of it every {@value #BLOCK} ops, and, for
 * the first {@value #MAX_LOGGED} ops, each op's own hash and a description, so that the first differing op can
 * be named.
 *
 * <p>Program thread only.
 */
final class OpLog {
    static final int BLOCK = 256;
    static final int MAX_LOGGED = 1 << 20;

    private long count;
    private long rolling = 0x6A09E667F3BCC909L;
    private long[] checkpoints = new long[16];
    private int checkpointCount;
    private long[] opHashes = new long[256];
    private String[] methodNames = new String[256];
    private int[] placements = new int[256];

    void append(long opHash, String methodName, int placement) {
        rolling = mix(rolling ^ opHash);
        if (count < MAX_LOGGED) {
            int i = (int) count;
            if (i == opHashes.length) {
                opHashes = Arrays.copyOf(opHashes, i * 2);
                methodNames = Arrays.copyOf(methodNames, i * 2);
                placements = Arrays.copyOf(placements, i * 2);
            }
            opHashes[i] = opHash;
            methodNames[i] = methodName;
            placements[i] = placement;
        }
        count++;
        if (count % BLOCK == 0) {
            if (checkpointCount == checkpoints.length) {
                checkpoints = Arrays.copyOf(checkpoints, checkpointCount * 2);
            }
            checkpoints[checkpointCount++] = rolling;
        }
    }

    long count() {
        return count;
    }

    long hash() {
        return rolling;
    }

    long[] checkpoints() {
        return Arrays.copyOf(checkpoints, checkpointCount);
    }

    /** Per-op hashes of ops {@code [first, first + BLOCK)} that were logged. */
    long[] hashes(long first) {
        long end = Math.min(Math.min(count, MAX_LOGGED), first + BLOCK);
        if (first >= end) {
            return new long[0];
        }
        return Arrays.copyOfRange(opHashes, (int) first, (int) end);
    }

    /** Descriptions of the same ops as {@link #hashes}. */
    String[] descriptions(long first) {
        long end = Math.min(Math.min(count, MAX_LOGGED), first + BLOCK);
        if (first >= end) {
            return new String[0];
        }
        String[] out = new String[(int) (end - first)];
        for (int i = 0; i < out.length; i++) {
            int at = (int) first + i;
            out[i] = methodNames[at] + (placements[at] < 0 ? " (common)" : " on rank " + placements[at]);
        }
        return out;
    }

    void reset() {
        count = 0;
        rolling = 0x6A09E667F3BCC909L;
        checkpointCount = 0;
        if (opHashes.length > 4096) {
            opHashes = new long[256];
            methodNames = new String[256];
            placements = new int[256];
        } else {
            Arrays.fill(methodNames, null);
        }
    }

    /** A 64-bit finaliser (SplitMix64's), so that every input bit affects every output bit. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
