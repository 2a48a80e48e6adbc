package org.bind;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.bind.testing.DumpStacksOnTimeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Op nodes are filled again for later ops once done ({@code OpNodes}): a random program of many more ops than the
 * nodes kept for reuse, with one to five objects per op (so a reused node's arrays are kept or replaced), reads
 * fanning out, read-write chains and array arguments, must leave every object as sequential Java does. A node
 * reused while something could still reach it as its former op would run an op twice, lose one, or bind the
 * wrong versions; the counters show that reuse did happen.
 */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(120)
class OpNodeReuseStressTest {
    private static final int OBJECTS = 12;
    private static final int OPS = 120_000;
    private static final int WINDOW_OPS = 512;

    static final class Ops {
        @Op
        static void bump(IntArray x, int i) {
            int[] d = x.data();
            d[0] = d[0] * 31 + i;
        }

        @Op
        static void copy(@In IntArray from, @Out IntArray to) {
            to.data()[0] = from.data()[0];
        }

        @Op
        static void add(@In IntArray a, @In IntArray b, IntArray into) {
            into.data()[0] += a.data()[0] ^ b.data()[0];
        }

        @Op
        static void sum(@In IntArray[] parts, IntArray into) {
            int s = 0;
            for (IntArray part : parts) {
                s = s * 17 + part.data()[0];
            }
            into.data()[0] += s;
        }
    }

    @Test
    void shouldMatchSequentialJavaWhileReusingNodesOnOneWorker() {
        assertMatchesSequentialJava(1, 11);
    }

    @Test
    void shouldMatchSequentialJavaWhileReusingNodesOnTwoWorkers() {
        assertMatchesSequentialJava(2, 12);
    }

    private static void assertMatchesSequentialJava(int workers, long seed) {
        int[] expected = new int[OBJECTS];
        // A window far below OpNodes.RECENT: when op k is submitted, op k - RECENT has left the window long before,
        // so most nodes are reused whatever the timing (without it the program may run ahead of the workers).
        try (Bind bind = Bind.init(new Bind.Context().workers(workers).windowOps(WINDOW_OPS))) {
            IntArray[] objects = new IntArray[OBJECTS];
            for (int i = 0; i < OBJECTS; i++) {
                objects[i] = IntArray.of(1);
            }
            SplittableRandom random = new SplittableRandom(seed);
            for (int op = 0; op < OPS; op++) {
                int a = random.nextInt(OBJECTS);
                int b = random.nextInt(OBJECTS);
                int c = random.nextInt(OBJECTS);
                switch (random.nextInt(4)) {
                    case 0 -> {
                        Ops.bump(objects[a], op);
                        expected[a] = expected[a] * 31 + op;
                    }
                    case 1 -> {
                        Ops.copy(objects[a], objects[b]);
                        expected[b] = expected[a];
                    }
                    case 2 -> {
                        if (a != c && b != c) {
                            Ops.add(objects[a], objects[b], objects[c]);
                            expected[c] += expected[a] ^ expected[b];
                        }
                    }
                    default -> {
                        int n = 1 + random.nextInt(4);
                        IntArray[] parts = new IntArray[n];
                        int s = 0;
                        boolean distinct = true;
                        for (int k = 0; k < n; k++) {
                            int p = random.nextInt(OBJECTS);
                            distinct &= p != c;
                            parts[k] = objects[p];
                            s = s * 17 + expected[p];
                        }
                        if (distinct) {
                            Ops.sum(parts, objects[c]);
                            expected[c] += s;
                        }
                    }
                }
            }
            bind.sync();
            int[] actual = new int[OBJECTS];
            for (int i = 0; i < OBJECTS; i++) {
                actual[i] = objects[i].toArray()[0];
            }
            assertArrayEquals(expected, actual, "objects after " + OPS + " random ops");
            long reused = bind.counters().opNodesReused();
            assertTrue(reused > OPS / 4, "op nodes reused: " + reused + " of " + OPS + " ops");
        }
    }
}
