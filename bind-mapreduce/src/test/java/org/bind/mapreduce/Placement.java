package org.bind.mapreduce;

import java.nio.charset.StandardCharsets;

/**
 * The documented key-to-rank rule, written out independently of the implementation: FNV-1a (64 bit) over the
 * key's little-endian codec encoding, finished with MurmurHash3's fmix64; rank = (hash & 0xFFFFFFFF) % ranks.
 */
final class Placement {
    private Placement() {
    }

    static long fnv(byte[] bytes) {
        long h = 0xcbf29ce484222325L;
        for (byte b : bytes) {
            h ^= b & 0xFF;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    static long hashInt(int v) {
        return fnv(new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)});
    }

    static long hashString(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[4 + utf8.length];
        int n = utf8.length;
        bytes[0] = (byte) n;
        bytes[1] = (byte) (n >>> 8);
        bytes[2] = (byte) (n >>> 16);
        bytes[3] = (byte) (n >>> 24);
        System.arraycopy(utf8, 0, bytes, 4, n);
        return fnv(bytes);
    }

    static int rankOf(long hash, int ranks) {
        return (int) ((hash & 0xFFFFFFFFL) % ranks);
    }
}
