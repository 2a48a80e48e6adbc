package org.bind.multi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.bind.Bind;
import org.bind.BindException;
import org.bind.DoubleArray;
import org.bind.IntArray;
import org.bind.Scope;
import org.bind.Shared;
import org.bind.multi.RandomProgram.Step;

/**
 * Runs a {@link RandomProgram} on one rank and, step by step, the same kernels on plain arrays (the sequential
 * oracle, which never goes through Bind). It also models which ranks hold the latest version of each array: the
 * rank its last writer was placed on (every rank after a common write), plus every rank that has read it since.
 * Reads by the program are checked against the oracle on holders, and must fail naming the owner elsewhere.
 */
@SuppressWarnings("try") // scopes are opened for their effect on placement, not referenced
final class ProgramRun {
    private final Bind bind;
    private final RandomProgram program;
    private final int rank;
    private final IntArray[] ints;
    private final DoubleArray[] doubles;
    private final Shared<Integer>[] sharedInts;
    private final Shared<Long>[] sharedLongs;
    private final int[][] expectedInts;
    private final double[][] expectedDoubles;
    private final int[] expectedSharedInts;
    private final long[] expectedSharedLongs;
    /** Per array (ints first, then doubles): the rank that wrote the latest version, or COMMON. */
    private final int[] owner;
    /** Per array and rank: whether the rank holds the latest version. */
    private final boolean[][] held;
    /** This rank's plain receivers, and what their values must be. */
    private final ProgramOps.Tally[] tallies = {new ProgramOps.Tally(), new ProgramOps.Tally()};
    private final long[] expectedTallies = {17, 17};

    @SuppressWarnings("unchecked")
    ProgramRun(Bind bind, RandomProgram program) {
        this.bind = bind;
        this.program = program;
        this.rank = bind.rank();
        int ranks = program.setup().ranks();
        ints = new IntArray[program.ints()];
        expectedInts = new int[ints.length][];
        for (int i = 0; i < ints.length; i++) {
            ints[i] = IntArray.of(program.pool().intLengths().get(i));
            expectedInts[i] = new int[ints[i].length()];
        }
        doubles = new DoubleArray[program.doubles()];
        expectedDoubles = new double[doubles.length][];
        for (int i = 0; i < doubles.length; i++) {
            doubles[i] = DoubleArray.of(program.pool().doubleLengths().get(i));
            expectedDoubles[i] = new double[doubles[i].length()];
        }
        sharedInts = (Shared<Integer>[]) new Shared<?>[program.pool().sharedInts()];
        expectedSharedInts = new int[sharedInts.length];
        for (int i = 0; i < sharedInts.length; i++) {
            expectedSharedInts[i] = 100 + i;
            sharedInts[i] = Shared.of(expectedSharedInts[i]);
        }
        sharedLongs = (Shared<Long>[]) new Shared<?>[program.pool().sharedLongs()];
        expectedSharedLongs = new long[sharedLongs.length];
        for (int i = 0; i < sharedLongs.length; i++) {
            expectedSharedLongs[i] = -7L * (i + 1);
            sharedLongs[i] = Shared.of(expectedSharedLongs[i]);
        }
        owner = new int[ints.length + doubles.length];
        held = new boolean[owner.length][ranks];
        for (int i = 0; i < owner.length; i++) {
            written(i, RandomProgram.COMMON);
        }
    }

    /** Runs every step, syncs, and checks every object on this rank. */
    void run() {
        for (int i = 0; i < program.steps().size(); i++) {
            step(i, program.steps().get(i));
        }
        bind.sync();
        String when = "at the end";
        for (int i = 0; i < owner.length; i++) {
            checkArray(i, when);
        }
        for (int i = 0; i < sharedInts.length; i++) {
            assertEquals(expectedSharedInts[i], sharedInts[i].get(), sharedInts[i] + " on rank " + rank + " " + when);
        }
        for (int i = 0; i < sharedLongs.length; i++) {
            assertEquals(expectedSharedLongs[i], sharedLongs[i].get(), sharedLongs[i] + " on rank " + rank + " " + when);
        }
        for (int i = 0; i < tallies.length; i++) {
            assertEquals(expectedTallies[i], tallies[i].value, "receiver " + i + " on rank " + rank + " " + when);
        }
    }

    private void step(int index, Step s) {
        switch (s.kind()) {
            case SYNC -> bind.sync();
            case PROGRAM_SET -> {
                int i = s.a() % sharedInts.length;
                sharedInts[i].set(s.value());
                expectedSharedInts[i] = s.value();
            }
            case PROGRAM_READ -> check(s.a() % (owner.length + sharedInts.length + sharedLongs.length),
                "after step " + index);
            default -> {
                int where = program.placement(s);
                try (Scope scope = where == RandomProgram.COMMON ? null : bind.on(where);
                     Scope priority = s.priority() == 0 ? null : bind.priority(s.priority())) {
                    op(s, where);
                }
            }
        }
    }

    /** Submits the op of {@code s}, applies its kernel to the oracle, and updates the residence model. */
    private void op(Step s, int where) {
        switch (s.kind()) {
            case FILL_INTS -> {
                int out = intIndex(s.a());
                ProgramOps.fillInts(ints[out], s.value());
                Kernels.fillInts(expectedInts[out], s.value());
                written(out, where);
            }
            case ADD_INTS -> {
                int source = intIndex(s.a());
                int target = intIndex(s.b());
                ProgramOps.addInts(ints[source], ints[target], s.value() % 5);
                Kernels.addInts(expectedInts[source], expectedInts[target], s.value() % 5);
                read(source, where);
                read(target, where);
                written(target, where);
            }
            case MIX_INTS -> {
                int a = intIndex(s.a());
                int b = intIndex(s.b());
                int out = intIndex(s.c());
                int[] weights = {s.value(), 3, -s.value() / 2};
                ProgramOps.mixInts(ints[a], ints[b], ints[out], weights);
                Kernels.mixInts(expectedInts[a], expectedInts[b], expectedInts[out], weights);
                Arrays.fill(weights, 999_999); // the op must have captured the values at the call
                read(a, where);
                read(b, where);
                written(out, where);
            }
            case FILL_DOUBLES -> {
                int out = doubleIndex(s.a());
                ProgramOps.fillDoubles(doubles[out - ints.length], s.value() / 8.0);
                Kernels.fillDoubles(expectedDoubles[out - ints.length], s.value() / 8.0);
                written(out, where);
            }
            case AXPY -> {
                int x = doubleIndex(s.a());
                int y = doubleIndex(s.b());
                ProgramOps.axpy(doubles[x - ints.length], doubles[y - ints.length], s.value() / 16.0);
                Kernels.axpy(expectedDoubles[x - ints.length], expectedDoubles[y - ints.length], s.value() / 16.0);
                read(x, where);
                read(y, where);
                written(y, where);
            }
            case INTS_INTO_DOUBLES -> {
                int a = intIndex(s.a());
                int d = doubleIndex(s.b());
                ProgramOps.intsIntoDoubles(ints[a], doubles[d - ints.length]);
                Kernels.intsIntoDoubles(expectedInts[a], expectedDoubles[d - ints.length]);
                read(a, where);
                read(d, where);
                written(d, where);
            }
            case DOUBLES_INTO_INTS -> {
                int d = doubleIndex(s.a());
                int a = intIndex(s.b());
                ProgramOps.doublesIntoInts(doubles[d - ints.length], ints[a]);
                Kernels.doublesIntoInts(expectedDoubles[d - ints.length], expectedInts[a]);
                read(d, where);
                read(a, where);
                written(a, where);
            }
            case SUM_INTS -> {
                int a = intIndex(s.a());
                int target = s.b() % sharedInts.length;
                ProgramOps.sumInts(ints[a], sharedInts[target]);
                expectedSharedInts[target] = Kernels.sumInts(expectedInts[a], expectedSharedInts[target]);
                read(a, where);
            }
            case HASH_DOUBLES -> {
                int d = doubleIndex(s.a());
                int target = s.b() % sharedLongs.length;
                ProgramOps.hashDoubles(doubles[d - ints.length], sharedLongs[target]);
                expectedSharedLongs[target] = Kernels.hashDoubles(expectedDoubles[d - ints.length],
                    expectedSharedLongs[target]);
                read(d, where);
            }
            case SHARED_INTO_INTS -> {
                int si = s.a() % sharedInts.length;
                int sl = s.b() % sharedLongs.length;
                int a = intIndex(s.c());
                ProgramOps.sharedIntoInts(sharedInts[si], sharedLongs[sl], ints[a]);
                Kernels.sharedIntoInts(expectedSharedInts[si], expectedSharedLongs[sl], expectedInts[a]);
                read(a, where);
                written(a, where);
            }
            case SET_LONG -> {
                int target = s.a() % sharedLongs.length;
                ProgramOps.setLong(sharedLongs[target], s.value() * 1_000_000_007L);
                expectedSharedLongs[target] = s.value() * 1_000_000_007L;
            }
            case COMBINE -> {
                int si = s.a() % sharedInts.length;
                int sl = s.b() % sharedLongs.length;
                ProgramOps.combine(sharedInts[si], sharedLongs[sl]);
                expectedSharedLongs[sl] = Kernels.combine(expectedSharedInts[si], expectedSharedLongs[sl]);
            }
            case SCALE -> {
                int target = s.a() % sharedInts.length;
                ProgramOps.scale(sharedInts[target], s.value() % 7);
                expectedSharedInts[target] = Kernels.scale(expectedSharedInts[target], s.value() % 7);
            }
            case SUM_PARTS -> {
                int target = doubleIndex(s.a());
                java.util.List<Integer> parts = new java.util.ArrayList<>();
                for (int raw : new int[] {s.b(), s.c(), s.b() + s.c()}) {
                    int part = doubleIndex(raw);
                    if (part != target) {
                        parts.add(part);
                    }
                }
                DoubleArray[] given = new DoubleArray[parts.size()];
                for (int i = 0; i < given.length; i++) {
                    given[i] = doubles[parts.get(i) - ints.length];
                }
                ProgramOps.sumParts(given, doubles[target - ints.length]);
                Arrays.fill(given, null); // the op keeps its own copy of the array
                for (int part : parts) {
                    Kernels.axpy(expectedDoubles[part - ints.length], expectedDoubles[target - ints.length], 1.0);
                    read(part, where);
                }
                read(target, where);
                written(target, where);
            }
            case SCALE_LIST -> {
                java.util.LinkedHashSet<Integer> chosen = new java.util.LinkedHashSet<>();
                chosen.add(intIndex(s.a()));
                chosen.add(intIndex(s.b()));
                java.util.List<IntArray> list = new java.util.ArrayList<>();
                for (int i : chosen) {
                    list.add(ints[i]);
                }
                ProgramOps.scaleList(list, s.value() % 3);
                for (int i : chosen) {
                    Kernels.addInts(expectedInts[i].clone(), expectedInts[i], s.value() % 3);
                    read(i, where);
                    written(i, where);
                }
            }
            case TALLY -> {
                int t = s.a() % tallies.length;
                int a = intIndex(s.b());
                tallies[t].fold(ints[a]);
                if (where == RandomProgram.COMMON || where == rank) {
                    expectedTallies[t] = expectedTallies[t] * 31 + Kernels.sumInts(expectedInts[a], 0);
                }
                read(a, where);
            }
            default -> throw new IllegalArgumentException("not an op: " + s);
        }
    }

    private int intIndex(int raw) {
        return raw % ints.length;
    }

    /** Doubles are numbered after the ints in {@link #owner} and {@link #held}. */
    private int doubleIndex(int raw) {
        return ints.length + raw % doubles.length;
    }

    private void read(int array, int where) {
        if (where == RandomProgram.COMMON) {
            Arrays.fill(held[array], true);
        } else {
            held[array][where] = true;
        }
    }

    private void written(int array, int where) {
        owner[array] = where;
        Arrays.fill(held[array], where == RandomProgram.COMMON);
        if (where != RandomProgram.COMMON) {
            held[array][where] = true;
        }
    }

    /** Object {@code k}: arrays first (ints, doubles), then shared ints, then shared longs. */
    private void check(int k, String when) {
        if (k < owner.length) {
            checkArray(k, when);
            return;
        }
        k -= owner.length;
        if (k < sharedInts.length) {
            assertEquals(expectedSharedInts[k], sharedInts[k].get(), sharedInts[k] + " on rank " + rank + " " + when);
            return;
        }
        k -= sharedInts.length;
        assertEquals(expectedSharedLongs[k], sharedLongs[k].get(), sharedLongs[k] + " on rank " + rank + " " + when);
    }

    private void checkArray(int k, String when) {
        boolean isInt = k < ints.length;
        Object array = isInt ? ints[k] : doubles[k - ints.length];
        String what = array + " on rank " + rank + " " + when;
        if (!held[k][rank]) {
            BindException e = assertThrows(BindException.class,
                () -> {
                    if (isInt) {
                        ints[k].toArray();
                    } else {
                        doubles[k - ints.length].toArray();
                    }
                }, what + ": this rank does not hold it, so toArray() must refuse");
            assertTrue(e.getMessage().contains("lives on rank " + owner[k]),
                what + ": the refusal must name rank " + owner[k] + ", the holder: " + e.getMessage());
            return;
        }
        if (isInt) {
            assertArrayEquals(expectedInts[k], ints[k].toArray(), what);
        } else {
            assertArrayEquals(bits(expectedDoubles[k - ints.length]), bits(doubles[k - ints.length].toArray()), what);
        }
    }

    private static long[] bits(double[] values) {
        long[] bits = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Double.doubleToLongBits(values[i]);
        }
        return bits;
    }
}
