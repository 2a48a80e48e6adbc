package org.bind;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.Tuple;
import org.bind.testing.Deadline;

/**
 * Random sequential programs of ops over a pool of arrays and shared values, run through Bind with 1 to 4
 * workers and small or default windows, give bit-identical results to the same op bodies called one after the
 * other on plain Java arrays.
 *
 * <p>Every op body is a static kernel on plain arrays ({@code k...}); the {@code @Op} wrappers in {@link Ops}
 * call the kernel on {@code data()}, and the oracle calls the kernels directly, never through Bind. Programs
 * mix {@code @In}, {@code @Out} and read-write access, pass one object twice to an op, write after read and
 * after write, capture {@code int}, {@code long}, {@code double}, enum and {@code int[]} arguments (the caller
 * scribbles over its {@code int[]} right after each call), set shared values from the program, and read values
 * and call {@code sync()} midway.
 */
class ProgramOracleTest {
    private static final Duration TRY_LIMIT = Duration.ofSeconds(30);
    private static final int SCRIBBLE = 0x5A5A5A5A;

    // ------------------------------------------------------------------ kernels (plain Java, used by both sides)

    /** @Out: every element defined. */
    static void kFill(int[] out, int value) {
        for (int i = 0; i < out.length; i++) {
            out[i] = value + 31 * i;
        }
    }

    /** @In in, @Out out (possibly the same array). */
    static void kAffine(int[] in, int[] out, int c) {
        for (int i = 0; i < out.length; i++) {
            out[i] = in[i % in.length] * 3 + c;
        }
    }

    /** @In in, read-write inout (possibly the same array); coeffs captured by value. */
    static void kMix(int[] in, int[] inout, int[] coeffs) {
        for (int i = 0; i < inout.length; i++) {
            inout[i] = inout[i] * coeffs[i % coeffs.length] + in[(i + 1) % in.length];
        }
    }

    /** Read-write: rotate by one place in {@code direction}, then add {@code k}. */
    static void kRotate(int[] x, Direction direction, long k) {
        if (direction == Direction.LEFT) {
            int first = x[0];
            System.arraycopy(x, 1, x, 0, x.length - 1);
            x[x.length - 1] = first;
        } else {
            int last = x[x.length - 1];
            System.arraycopy(x, 0, x, 1, x.length - 1);
            x[0] = last;
        }
        for (int i = 0; i < x.length; i++) {
            x[i] += (int) k;
        }
    }

    /** @In a, @In b, @Out out: any two (or all three) may be the same array. */
    static void kCombine(int[] a, int[] b, int[] out) {
        for (int i = 0; i < out.length; i++) {
            out[i] = (a[i % a.length] ^ (b[(i + 2) % b.length] * 7)) + i;
        }
    }

    /** @In in, @Out out. */
    static void kWiden(int[] in, long[] out, long mul) {
        for (int i = 0; i < out.length; i++) {
            out[i] = in[i % in.length] * mul + i;
        }
    }

    /** Read-write prefix sum. */
    static void kPrefix(long[] x) {
        for (int i = 1; i < x.length; i++) {
            x[i] += x[i - 1];
        }
    }

    /** @In in, read-write inout (possibly the same array). */
    static void kLongMix(long[] in, long[] inout, long k) {
        for (int i = 0; i < inout.length; i++) {
            inout[i] = inout[i] * 31 + (in[(i + 1) % in.length] ^ k);
        }
    }

    /** Read-write. */
    static void kScale(double[] x, double factor) {
        for (int i = 0; i < x.length; i++) {
            x[i] = x[i] * factor + 0.5;
        }
    }

    /** @In x, read-write y (possibly the same array). */
    static void kAxpy(double[] x, double[] y, double a) {
        for (int i = 0; i < y.length; i++) {
            y[i] += a * x[(i + 1) % x.length];
        }
    }

    /** @In in, @Out out. */
    static void kToDouble(long[] in, double[] out) {
        for (int i = 0; i < out.length; i++) {
            out[i] = in[i % in.length] / 3.0 + 0.25 * i;
        }
    }

    static int kBump(int value, int by) {
        return value * 5 + by;
    }

    static int kSumInto(int[] a, int value) {
        int sum = value;
        for (int x : a) {
            sum = sum * 3 + x;
        }
        return sum;
    }

    static long kTotal(long[] a) {
        long total = 1;
        for (long x : a) {
            total = total * 17 + x;
        }
        return total;
    }

    /** Read-write x, given a shared long. */
    static void kAddShared(int[] x, long value) {
        for (int i = 0; i < x.length; i++) {
            x[i] += (int) (value >>> (i % 8 * 8));
        }
    }

    enum Direction { LEFT, RIGHT }

    // ------------------------------------------------------------------ the same bodies as ops

    static final class Ops {
        @Op
        static void fill(@Out IntArray out, int value) {
            kFill(out.data(), value);
        }

        @Op
        static void affine(@In IntArray in, @Out IntArray out, int c) {
            kAffine(in.data(), out.data(), c);
        }

        @Op
        static void mix(@In IntArray in, IntArray inout, int[] coeffs) {
            kMix(in.data(), inout.data(), coeffs);
        }

        @Op
        static void rotate(IntArray x, Direction direction, long k) {
            kRotate(x.data(), direction, k);
        }

        @Op
        static void combine(@In IntArray a, @In IntArray b, @Out IntArray out) {
            kCombine(a.data(), b.data(), out.data());
        }

        @Op
        static void widen(@In IntArray in, @Out LongArray out, long mul) {
            kWiden(in.data(), out.data(), mul);
        }

        @Op
        static void prefix(LongArray x) {
            kPrefix(x.data());
        }

        @Op
        static void longMix(@In LongArray in, LongArray inout, long k) {
            kLongMix(in.data(), inout.data(), k);
        }

        @Op
        static void scale(DoubleArray x, double factor) {
            kScale(x.data(), factor);
        }

        @Op
        static void axpy(@In DoubleArray x, DoubleArray y, double a) {
            kAxpy(x.data(), y.data(), a);
        }

        @Op
        static void toDouble(@In LongArray in, @Out DoubleArray out) {
            kToDouble(in.data(), out.data());
        }

        @Op
        static void bump(Shared<Integer> s, int by) {
            s.set(kBump(s.get(), by));
        }

        @Op
        static void sumInto(@In IntArray a, Shared<Integer> s) {
            s.set(kSumInto(a.data(), s.get()));
        }

        @Op
        static void total(@In LongArray a, @Out Shared<Long> s) {
            s.set(kTotal(a.data()));
        }

        @Op
        static void addShared(@In Shared<Long> s, IntArray x) {
            kAddShared(x.data(), s.get());
        }
    }

    // ------------------------------------------------------------------ programs

    enum Kind {
        FILL, AFFINE, MIX, ROTATE, COMBINE, WIDEN, PREFIX, LONG_MIX, SCALE, AXPY, TO_DOUBLE, BUMP, SUM_INTO, TOTAL,
        ADD_SHARED, SET_SHARED, READ, SYNC
    }

    /** One statement; indices pick objects modulo the pool sizes. */
    record Step(Kind kind, int a, int b, int c, int value, long k, double f, int[] coeffs) {
        @Override
        public String toString() {
            return kind + "(" + a + "," + b + "," + c + ", v=" + value + ", k=" + k + ", f=" + f + ", coeffs="
                + Arrays.toString(coeffs) + ")";
        }
    }

    record Program(int workers, long windowOps, List<Integer> intLengths, List<Integer> longLengths,
                   List<Integer> doubleLengths, List<Integer> sharedInts, List<Long> sharedLongs, List<Step> steps) {
    }

    @Provide
    Arbitrary<Program> programs() {
        Arbitrary<Integer> length = Arbitraries.integers().between(1, 6);
        Arbitrary<Long> window = Arbitraries.frequency(
            Tuple.of(2, 1L), Tuple.of(2, 2L), Tuple.of(1, 5L), Tuple.of(5, Bind.Context.WINDOW_OPS_DEFAULT));
        return Combinators.combine(
            Arbitraries.integers().between(1, 4),
            window,
            length.list().ofMinSize(1).ofMaxSize(3),
            length.list().ofMinSize(1).ofMaxSize(2),
            length.list().ofMinSize(1).ofMaxSize(2),
            Arbitraries.integers().between(-50, 50).list().ofMinSize(1).ofMaxSize(2),
            Arbitraries.longs().list().ofMinSize(1).ofMaxSize(2),
            steps().list().ofMaxSize(40).withSizeDistribution(RandomDistribution.uniform())
        ).as(Program::new);
    }

    private static Arbitrary<Step> steps() {
        Arbitrary<Kind> kind = Arbitraries.frequency(
            Tuple.of(3, Kind.FILL), Tuple.of(3, Kind.AFFINE), Tuple.of(4, Kind.MIX), Tuple.of(3, Kind.ROTATE),
            Tuple.of(4, Kind.COMBINE), Tuple.of(3, Kind.WIDEN), Tuple.of(3, Kind.PREFIX), Tuple.of(3, Kind.LONG_MIX),
            Tuple.of(3, Kind.SCALE), Tuple.of(3, Kind.AXPY), Tuple.of(3, Kind.TO_DOUBLE), Tuple.of(3, Kind.BUMP),
            Tuple.of(3, Kind.SUM_INTO), Tuple.of(3, Kind.TOTAL), Tuple.of(3, Kind.ADD_SHARED),
            Tuple.of(1, Kind.SET_SHARED), Tuple.of(3, Kind.READ), Tuple.of(2, Kind.SYNC));
        Arbitrary<Integer> index = Arbitraries.integers().between(0, 11);
        return Combinators.combine(
            kind, index, index, index,
            Arbitraries.integers().between(-1000, 1000),
            Arbitraries.longs(),
            Arbitraries.doubles().between(-2.5, 2.5).ofScale(3),
            Arbitraries.integers().between(-9, 9).array(int[].class).ofMinSize(1).ofMaxSize(4)
        ).as(Step::new);
    }

    @Property(tries = 2500)
    void shouldMatchSequentialJavaBitForBit(@ForAll("programs") Program program) throws Exception {
        Patterns seen = Deadline.run("bind-program", TRY_LIMIT, () -> new Run(program).execute());
        // The generator must keep producing the patterns this property is about.
        Statistics.label("workers").collect(program.workers());
        Statistics.label("small window").collect(program.windowOps() <= 5);
        Statistics.label("same object twice in one op").collect(seen.sameObjectTwice);
        Statistics.label("write after read").collect(seen.writeAfterRead);
        Statistics.label("write-only after write").collect(seen.overwriteAfterWrite);
        Statistics.label("sync midway").collect(seen.syncMidway);
        Statistics.label("read midway").collect(seen.readMidway);
        Statistics.label("workers").coverage(c -> {
            for (int w = 1; w <= 4; w++) {
                c.check(w).percentage(p -> p >= 10);
            }
        });
        Statistics.label("small window").coverage(c -> c.check(true).percentage(p -> p >= 20));
        for (String pattern : List.of("same object twice in one op", "write after read", "write-only after write",
            "sync midway", "read midway")) {
            Statistics.label(pattern).coverage(c -> c.check(true).percentage(p -> p >= 20));
        }
    }

    /** Which access patterns one program exercised. */
    static final class Patterns {
        boolean sameObjectTwice;
        boolean writeAfterRead;
        boolean overwriteAfterWrite;
        boolean syncMidway;
        boolean readMidway;
    }

    /** One parameter's use of an object: its slot in the pool and whether it reads and writes it. */
    record Use(int slot, boolean reads, boolean writes) {
    }

    static Use in(int slot) {
        return new Use(slot, true, false);
    }

    static Use out(int slot) {
        return new Use(slot, false, true);
    }

    static Use rw(int slot) {
        return new Use(slot, true, true);
    }

    // ------------------------------------------------------------------ one run: Bind and the oracle side by side

    /** Runs one program through Bind (on the calling thread) and on plain arrays, comparing as it goes. */
    private static final class Run {
        private final Program program;
        private IntArray[] ints;
        private LongArray[] longs;
        private DoubleArray[] doubles;
        private List<Shared<Integer>> sharedInts;
        private List<Shared<Long>> sharedLongs;

        private int[][] oInts;
        private long[][] oLongs;
        private double[][] oDoubles;
        private int[] oSharedInts;
        private long[] oSharedLongs;
        /** Per object (ints, longs, doubles, shared ints, shared longs in that order): has a live buffer. */
        private boolean[] live;
        private boolean[] written;
        private boolean[] readSinceWrite;
        private long opsSubmitted;
        private final Patterns patterns = new Patterns();

        Run(Program program) {
            this.program = program;
        }

        Patterns execute() {
            Bind.Context context = new Bind.Context().workers(program.workers()).windowOps(program.windowOps());
            try (Bind bind = Bind.init(context)) {
                createObjects();
                for (int i = 0; i < program.steps().size(); i++) {
                    apply(bind, program.steps().get(i), i);
                }
                bind.sync();
                compareAll("at the end");
                assertEquals(opsSubmitted, bind.counters().opsRun(), "ops run");
                assertEquals(0, bind.counters().opsSkipped(), "ops skipped");
                assertEquals(0, bind.counters().inFlight(), "ops in flight after sync");
                assertEquals(expectedLiveBytes(), bind.counters().liveBytes(),
                    "bytes of live versions after sync (the latest version of each object that has a buffer)");
            }
            return patterns;
        }

        private void createObjects() {
            List<Integer> il = program.intLengths();
            ints = new IntArray[il.size()];
            oInts = new int[il.size()][];
            for (int i = 0; i < ints.length; i++) {
                ints[i] = IntArray.of(il.get(i));
                oInts[i] = new int[il.get(i)];
            }
            List<Integer> ll = program.longLengths();
            longs = new LongArray[ll.size()];
            oLongs = new long[ll.size()][];
            for (int i = 0; i < longs.length; i++) {
                longs[i] = LongArray.of(ll.get(i));
                oLongs[i] = new long[ll.get(i)];
            }
            List<Integer> dl = program.doubleLengths();
            doubles = new DoubleArray[dl.size()];
            oDoubles = new double[dl.size()][];
            for (int i = 0; i < doubles.length; i++) {
                doubles[i] = DoubleArray.of(dl.get(i));
                oDoubles[i] = new double[dl.get(i)];
            }
            sharedInts = new ArrayList<>();
            oSharedInts = new int[program.sharedInts().size()];
            for (int i = 0; i < oSharedInts.length; i++) {
                sharedInts.add(Shared.of(program.sharedInts().get(i)));
                oSharedInts[i] = program.sharedInts().get(i);
            }
            sharedLongs = new ArrayList<>();
            oSharedLongs = new long[program.sharedLongs().size()];
            for (int i = 0; i < oSharedLongs.length; i++) {
                sharedLongs.add(Shared.of(program.sharedLongs().get(i)));
                oSharedLongs[i] = program.sharedLongs().get(i);
            }
            live = new boolean[ints.length + longs.length + doubles.length + oSharedInts.length + oSharedLongs.length];
            written = new boolean[live.length];
            readSinceWrite = new boolean[live.length];
        }

        private void apply(Bind bind, Step s, int at) {
            switch (s.kind()) {
                case FILL -> {
                    int out = s.a() % ints.length;
                    scribble(oInts[out]);
                    kFill(oInts[out], s.value());
                    Ops.fill(ints[out], s.value());
                    touched(out(intSlot(out)));
                }
                case AFFINE -> {
                    int in = s.a() % ints.length;
                    int out = s.b() % ints.length;
                    if (in != out) {
                        scribble(oInts[out]);
                    }
                    kAffine(oInts[in], oInts[out], s.value());
                    Ops.affine(ints[in], ints[out], s.value());
                    touched(in(intSlot(in)), out(intSlot(out)));
                }
                case MIX -> {
                    int in = s.a() % ints.length;
                    int inout = s.b() % ints.length;
                    int[] coeffs = s.coeffs().clone();
                    kMix(oInts[in], oInts[inout], s.coeffs());
                    Ops.mix(ints[in], ints[inout], coeffs);
                    Arrays.fill(coeffs, SCRIBBLE); // the op must have captured the values at the call
                    touched(in(intSlot(in)), rw(intSlot(inout)));
                }
                case ROTATE -> {
                    int x = s.a() % ints.length;
                    Direction direction = Direction.values()[s.c() % 2];
                    kRotate(oInts[x], direction, s.k());
                    Ops.rotate(ints[x], direction, s.k());
                    touched(rw(intSlot(x)));
                }
                case COMBINE -> {
                    int a = s.a() % ints.length;
                    int b = s.b() % ints.length;
                    int out = s.c() % ints.length;
                    if (out != a && out != b) {
                        scribble(oInts[out]);
                    }
                    kCombine(oInts[a], oInts[b], oInts[out]);
                    Ops.combine(ints[a], ints[b], ints[out]);
                    touched(in(intSlot(a)), in(intSlot(b)), out(intSlot(out)));
                }
                case WIDEN -> {
                    int in = s.a() % ints.length;
                    int out = s.b() % longs.length;
                    Arrays.fill(oLongs[out], SCRIBBLE);
                    kWiden(oInts[in], oLongs[out], s.k());
                    Ops.widen(ints[in], longs[out], s.k());
                    touched(in(intSlot(in)), out(longSlot(out)));
                }
                case PREFIX -> {
                    int x = s.a() % longs.length;
                    kPrefix(oLongs[x]);
                    Ops.prefix(longs[x]);
                    touched(rw(longSlot(x)));
                }
                case LONG_MIX -> {
                    int in = s.a() % longs.length;
                    int inout = s.b() % longs.length;
                    kLongMix(oLongs[in], oLongs[inout], s.k());
                    Ops.longMix(longs[in], longs[inout], s.k());
                    touched(in(longSlot(in)), rw(longSlot(inout)));
                }
                case SCALE -> {
                    int x = s.a() % doubles.length;
                    kScale(oDoubles[x], s.f());
                    Ops.scale(doubles[x], s.f());
                    touched(rw(doubleSlot(x)));
                }
                case AXPY -> {
                    int x = s.a() % doubles.length;
                    int y = s.b() % doubles.length;
                    kAxpy(oDoubles[x], oDoubles[y], s.f());
                    Ops.axpy(doubles[x], doubles[y], s.f());
                    touched(in(doubleSlot(x)), rw(doubleSlot(y)));
                }
                case TO_DOUBLE -> {
                    int in = s.a() % longs.length;
                    int out = s.b() % doubles.length;
                    Arrays.fill(oDoubles[out], Double.NaN);
                    kToDouble(oLongs[in], oDoubles[out]);
                    Ops.toDouble(longs[in], doubles[out]);
                    touched(in(longSlot(in)), out(doubleSlot(out)));
                }
                case BUMP -> {
                    int x = s.a() % oSharedInts.length;
                    oSharedInts[x] = kBump(oSharedInts[x], s.value());
                    Ops.bump(sharedInts.get(x), s.value());
                    touched(rw(sharedIntSlot(x)));
                }
                case SUM_INTO -> {
                    int a = s.a() % ints.length;
                    int x = s.b() % oSharedInts.length;
                    oSharedInts[x] = kSumInto(oInts[a], oSharedInts[x]);
                    Ops.sumInto(ints[a], sharedInts.get(x));
                    touched(in(intSlot(a)), rw(sharedIntSlot(x)));
                }
                case TOTAL -> {
                    int a = s.a() % longs.length;
                    int x = s.b() % oSharedLongs.length;
                    oSharedLongs[x] = kTotal(oLongs[a]);
                    Ops.total(longs[a], sharedLongs.get(x));
                    touched(in(longSlot(a)), out(sharedLongSlot(x)));
                }
                case ADD_SHARED -> {
                    int x = s.a() % oSharedLongs.length;
                    int target = s.b() % ints.length;
                    kAddShared(oInts[target], oSharedLongs[x]);
                    Ops.addShared(sharedLongs.get(x), ints[target]);
                    touched(in(sharedLongSlot(x)), rw(intSlot(target)));
                }
                case SET_SHARED -> {
                    if (s.c() % 2 == 0) {
                        int x = s.a() % oSharedInts.length;
                        oSharedInts[x] = s.value();
                        sharedInts.get(x).set(s.value());
                        touchedByProgram(sharedIntSlot(x));
                    } else {
                        int x = s.a() % oSharedLongs.length;
                        oSharedLongs[x] = s.k();
                        sharedLongs.get(x).set(s.k());
                        touchedByProgram(sharedLongSlot(x));
                    }
                }
                case READ -> {
                    patterns.readMidway = true;
                    read(s, "after step " + at);
                }
                case SYNC -> {
                    patterns.syncMidway = true;
                    bind.sync();
                    compareAll("after the sync at step " + at);
                }
                default -> throw new AssertionError(s.kind());
            }
        }

        private void read(Step s, String when) {
            switch (s.c() % 5) {
                case 0 -> {
                    int x = s.a() % ints.length;
                    assertArrayEquals(oInts[x], ints[x].toArray(), ints[x] + " " + when);
                }
                case 1 -> {
                    int x = s.a() % longs.length;
                    assertArrayEquals(oLongs[x], longs[x].toArray(), longs[x] + " " + when);
                }
                case 2 -> {
                    int x = s.a() % doubles.length;
                    assertArrayEquals(bits(oDoubles[x]), bits(doubles[x].toArray()), doubles[x] + " " + when);
                }
                case 3 -> {
                    int x = s.a() % oSharedInts.length;
                    assertEquals(oSharedInts[x], sharedInts.get(x).get(), sharedInts.get(x) + " " + when);
                }
                default -> {
                    int x = s.a() % oSharedLongs.length;
                    assertEquals(oSharedLongs[x], sharedLongs.get(x).get(), sharedLongs.get(x) + " " + when);
                }
            }
        }

        private void compareAll(String when) {
            for (int i = 0; i < ints.length; i++) {
                assertArrayEquals(oInts[i], ints[i].toArray(), ints[i] + " " + when);
            }
            for (int i = 0; i < longs.length; i++) {
                assertArrayEquals(oLongs[i], longs[i].toArray(), longs[i] + " " + when);
            }
            for (int i = 0; i < doubles.length; i++) {
                assertArrayEquals(bits(oDoubles[i]), bits(doubles[i].toArray()), doubles[i] + " " + when);
            }
            for (int i = 0; i < oSharedInts.length; i++) {
                assertEquals(oSharedInts[i], sharedInts.get(i).get(), sharedInts.get(i) + " " + when);
            }
            for (int i = 0; i < oSharedLongs.length; i++) {
                assertEquals(oSharedLongs[i], sharedLongs.get(i).get(), sharedLongs.get(i) + " " + when);
            }
        }

        /**
         * An op used these objects (one entry per parameter): from now on their latest version has a buffer. Also
         * notes which access patterns the program exercised, for the coverage statistics.
         */
        private void touched(Use... uses) {
            opsSubmitted++;
            boolean[] reads = new boolean[live.length];
            boolean[] writes = new boolean[live.length];
            boolean[] seen = new boolean[live.length];
            for (Use use : uses) {
                if (seen[use.slot()]) {
                    patterns.sameObjectTwice = true;
                }
                seen[use.slot()] = true;
                reads[use.slot()] |= use.reads();
                writes[use.slot()] |= use.writes();
            }
            for (int slot = 0; slot < live.length; slot++) {
                if (!seen[slot]) {
                    continue;
                }
                live[slot] = true;
                if (writes[slot] && readSinceWrite[slot]) {
                    patterns.writeAfterRead = true;
                }
                if (writes[slot] && !reads[slot] && written[slot] && !readSinceWrite[slot]) {
                    patterns.overwriteAfterWrite = true;
                }
                if (writes[slot]) {
                    written[slot] = true;
                    readSinceWrite[slot] = false;
                } else {
                    readSinceWrite[slot] = true;
                }
            }
        }

        private void touchedByProgram(int slot) {
            live[slot] = true;
            written[slot] = true;
            readSinceWrite[slot] = false;
        }

        private long expectedLiveBytes() {
            long bytes = 0;
            for (int slot = 0; slot < live.length; slot++) {
                if (live[slot]) {
                    bytes += bytesOf(slot);
                }
            }
            return bytes;
        }

        /** Array buffers count a 16-byte header plus their elements; a shared value counts 32 bytes. */
        private long bytesOf(int slot) {
            if (slot < longSlot(0)) {
                return 16L + 4L * oInts[slot].length;
            } else if (slot < doubleSlot(0)) {
                return 16L + 8L * oLongs[slot - longSlot(0)].length;
            } else if (slot < sharedIntSlot(0)) {
                return 16L + 8L * oDoubles[slot - doubleSlot(0)].length;
            }
            return 32;
        }

        private int intSlot(int i) {
            return i;
        }

        private int longSlot(int i) {
            return ints.length + i;
        }

        private int doubleSlot(int i) {
            return ints.length + longs.length + i;
        }

        private int sharedIntSlot(int i) {
            return ints.length + longs.length + doubles.length + i;
        }

        private int sharedLongSlot(int i) {
            return ints.length + longs.length + doubles.length + oSharedInts.length + i;
        }

        /** What an @Out op's fresh buffer held before is irrelevant: the oracle fills it with junk first. */
        private static void scribble(int[] out) {
            Arrays.fill(out, SCRIBBLE);
        }

        private static long[] bits(double[] values) {
            long[] bits = new long[values.length];
            for (int i = 0; i < values.length; i++) {
                bits[i] = Double.doubleToLongBits(values[i]);
            }
            return bits;
        }
    }
}
