package org.bind;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.bind.codec.Codec;
import org.bind.codec.Codecs;
import org.bind.testing.DumpStacksOnTimeout;
import org.bind.transport.inproc.InProcJob;
import org.bind.version.BufferType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link BufferType#discard} is called exactly once for every buffer the runtime made or received, and never for a
 * buffer an op or a send still reads: random programs over a versioned type whose buffer type counts what it makes
 * and what it is told to discard, and poisons what it discards (checked-mode style), on one rank with small worker
 * pools (so that pools overflow) and on 2 and 3 ranks in this JVM (so that versions travel). Every op checks its
 * inputs for poison before and after its work; results are checked against the same program on plain arrays.
 */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(180)
class DiscardTest {
    private static final long POISON = 0xDEADDEADDEADDEADL;
    /** The ledger of the running job; ops are static, so they find it here. */
    private static volatile Ledger ledger;

    /** What the buffer types of one job made and discarded, over all its ranks. Thread safe. */
    static final class Ledger {
        final AtomicLong made = new AtomicLong();
        final AtomicLong discarded = new AtomicLong();
        final AtomicLong poisonedReads = new AtomicLong();
        final List<String> problems = Collections.synchronizedList(new ArrayList<>());
        final Set<long[]> live = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));

        long[] made(long[] buffer) {
            made.incrementAndGet();
            live.add(buffer);
            return buffer;
        }

        void discard(long[] buffer) {
            if (!live.remove(buffer)) {
                problems.add("discarded a buffer twice, or one never made");
            }
            Arrays.fill(buffer, POISON);
            discarded.incrementAndGet();
        }

        void check(long[] input) {
            if (input.length > 0 && input[0] == POISON && input[input.length - 1] == POISON) {
                poisonedReads.incrementAndGet();
            }
        }
    }

    /** Buffers of {@code length} longs that report to the ledger. */
    static final class CountingType implements BufferType<long[]> {
        private final Ledger book;
        private final int length;
        private final Codec<long[]> codec;

        CountingType(Ledger book, int length) {
            this.book = book;
            this.length = length;
            Codec<long[]> plain = Codecs.of(long[].class);
            this.codec = new Codec<>() {
                @Override
                public Class<long[]> type() {
                    return plain.type();
                }

                @Override
                public int encodedLength(long[] value) {
                    book.check(value);
                    return plain.encodedLength(value);
                }

                @Override
                public int encode(long[] value, ByteBuffer buffer, int offset) {
                    book.check(value);
                    int written = plain.encode(value, buffer, offset);
                    book.check(value);
                    return written;
                }

                @Override
                public long[] decode(ByteBuffer buffer, int offset, int bytes) {
                    return book.made(plain.decode(buffer, offset, bytes));
                }

                @Override
                public long[] copy(long[] value) {
                    return plain.copy(value);
                }
            };
        }

        @Override
        public long[] allocate() {
            return book.made(new long[length]);
        }

        @Override
        public long[] copy(long[] source, long[] target) {
            book.check(source);
            if (target != null && target.length == source.length) {
                System.arraycopy(source, 0, target, 0, source.length);
                return target;
            }
            if (target != null) {
                discard(target);
            }
            return book.made(source.clone());
        }

        @Override
        public long[] reset(long[] buffer) {
            Arrays.fill(buffer, 0);
            return buffer;
        }

        @Override
        public long bytes(long[] buffer) {
            return 16L + 8L * buffer.length;
        }

        @Override
        public long reservedBytes() {
            return 16L + 8L * length;
        }

        @Override
        public void discard(long[] buffer) {
            book.discard(buffer);
        }

        @Override
        public Codec<long[]> codec() {
            return codec;
        }

        @Override
        public Object poolKey() {
            return length;
        }
    }

    /** A versioned array of longs over a {@link CountingType}. */
    static final class Counted extends Versioned {
        private final int length;

        Counted(int length) {
            super(new CountingType(ledger, length));
            this.length = length;
        }

        long[] data() {
            return (long[]) buffer();
        }

        long[] toArray() {
            long[] latest = (long[]) latestBuffer();
            return latest == null ? new long[length] : latest.clone();
        }
    }

    static final class Ops {
        @Op
        static void fill(@Out Counted out, long value) {
            kFill(out.data(), value);
        }

        @Op
        static void affine(@In Counted in, @Out Counted out, long k) {
            long[] x = in.data();
            ledger.check(x);
            kAffine(x, out.data(), k);
            ledger.check(x);
        }

        @Op
        static void bump(Counted inout, long k) {
            long[] x = inout.data();
            ledger.check(x);
            kBump(x, k);
        }

        @Op
        static void combine(@In Counted a, @In Counted b, Counted c) {
            long[] x = a.data();
            long[] y = b.data();
            ledger.check(x);
            ledger.check(y);
            ledger.check(c.data());
            kCombine(x, y, c.data());
            ledger.check(x);
            ledger.check(y);
        }
    }

    static void kFill(long[] out, long value) {
        for (int i = 0; i < out.length; i++) {
            out[i] = value + 7L * i;
        }
    }

    static void kAffine(long[] in, long[] out, long k) {
        for (int i = 0; i < out.length; i++) {
            out[i] = in[i] * 3 + k;
        }
    }

    static void kBump(long[] x, long k) {
        for (int i = 0; i < x.length; i++) {
            x[i] += k * i;
        }
    }

    static void kCombine(long[] a, long[] b, long[] c) {
        for (int i = 0; i < c.length; i++) {
            c[i] += (a[i] ^ (b[i] >>> 3)) + i;
        }
    }

    /**
     * The random program of {@code seed}: ops on a pool of objects placed on random ranks, objects replaced (the
     * old ones become garbage, some of them while ops on them are pending), reads checked against the plain-array
     * run midway and at the end.
     */
    static void runProgram(Bind bind, long seed) {
        Random random = new Random(seed);
        int length = 1000 + random.nextInt(80_000); // 8 KB to 650 KB: pools of 1 MiB overflow
        int slots = 3 + random.nextInt(4);
        Counted[] objects = new Counted[slots];
        long[][] oracle = new long[slots][];
        for (int s = 0; s < slots; s++) {
            objects[s] = new Counted(length);
            oracle[s] = new long[length];
        }
        int steps = 40 + random.nextInt(60);
        for (int step = 0; step < steps; step++) {
            int a = random.nextInt(slots);
            int b = random.nextInt(slots);
            int c = random.nextInt(slots);
            long k = random.nextInt(1000);
            int kind = random.nextInt(10);
            if (kind == 9) {
                assertArrayEquals(oracle[a], read(objects[a]), "slot " + a + " at step " + step);
                continue;
            }
            try (Scope scope = bind.on(random.nextInt(bind.size()))) {
                switch (kind) {
                    case 0 -> {
                        objects[a] = new Counted(length);
                        oracle[a] = new long[length];
                    }
                    case 1, 2 -> {
                        Ops.fill(objects[a], k);
                        kFill(oracle[a], k);
                    }
                    case 3, 4 -> {
                        if (a != b) {
                            Ops.affine(objects[a], objects[b], k);
                            kAffine(oracle[a], oracle[b], k);
                        }
                    }
                    case 5, 6 -> {
                        Ops.bump(objects[a], k);
                        kBump(oracle[a], k);
                    }
                    case 7, 8 -> {
                        if (c != a && c != b) {
                            Ops.combine(objects[a], objects[b], objects[c]);
                            kCombine(oracle[a], oracle[b], oracle[c]);
                        }
                    }
                    default -> throw new AssertionError(kind);
                }
            }
        }
        for (int s = 0; s < slots; s++) {
            assertArrayEquals(oracle[s], read(objects[s]), "slot " + s + " at the end");
        }
        bind.sync();
    }

    /** The latest contents, brought to every rank first by an op that runs everywhere and changes nothing. */
    private static long[] read(Counted object) {
        Ops.bump(object, 0);
        return object.toArray();
    }

    private static void assertBalanced(Ledger book, long seed) {
        String where = "seed " + seed;
        assertEquals(List.of(), book.problems, where);
        assertEquals(0, book.poisonedReads.get(), where + ": ops or sends read a discarded buffer");
        assertTrue(book.made.get() > 0, where + ": nothing was made");
        assertEquals(book.made.get(), book.discarded.get(), where + ": every buffer made is discarded once");
        assertEquals(0, book.live.size(), where);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
    void shouldDiscardEveryBufferOnceAfterItsLastReaderOnOneRank(long seed) {
        Ledger book = new Ledger();
        ledger = book;
        int workers = 1 + (int) (seed % 3);
        Bind.Context context = new Bind.Context().workers(workers).windowOps(seed % 2 == 0 ? 4 : 1000);
        try (Bind bind = Bind.init(context)) {
            runProgram(bind, seed);
        }
        assertBalanced(book, seed);
    }

    @ParameterizedTest
    @ValueSource(longs = {21, 22, 23, 24, 25, 26})
    void shouldDiscardEveryBufferOnceAcrossRanks(long seed) {
        Ledger book = new Ledger();
        ledger = book;
        int ranks = 2 + (int) (seed % 2);
        InProcJob.run(ranks, () -> new Bind.Context().workers(2).chunkBytes(64 << 10), 120, TimeUnit.SECONDS,
            bind -> runProgram(bind, seed));
        assertBalanced(book, seed);
    }

    @Test
    void shouldDetectAReadOfADiscardedBufferAndASecondDiscard() {
        Ledger book = new Ledger();
        long[] buffer = book.made(new long[16]);
        book.discard(buffer);
        book.check(buffer);
        assertEquals(1, book.poisonedReads.get(), "the poison check itself must see a discarded buffer");
        book.discard(buffer);
        assertEquals(1, book.problems.size(), "a second discard is reported");
    }
}
