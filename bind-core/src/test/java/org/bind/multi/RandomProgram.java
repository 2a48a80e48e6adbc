package org.bind.multi;

import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;

/**
 * A random SPMD program: how many ranks run it and with which settings, a pool of versioned objects, and a list
 * of steps (ops placed on one rank or common, values set and read by the program, syncs). Steps name objects and
 * ranks by raw numbers taken modulo the pool and the job size, so that every shrunk program is still valid.
 *
 * @param setup the job: ranks and per-rank settings
 * @param pool  the objects: array lengths and how many shared values
 * @param steps what the program does, in order
 */
record RandomProgram(Setup setup, Pool pool, List<Step> steps) {
    /** Placement of ops outside any scope. */
    static final int COMMON = -1;

    /**
     * @param ranks      ranks in the job
     * @param workers    worker threads per rank
     * @param chunkBytes largest frame payload of a transfer
     * @param windowOps  ops in flight before the program blocks
     */
    record Setup(int ranks, int workers, int chunkBytes, long windowOps) {
    }

    /**
     * @param intLengths    one {@code IntArray} per entry
     * @param doubleLengths one {@code DoubleArray} per entry
     * @param sharedInts    how many {@code Shared<Integer>}
     * @param sharedLongs   how many {@code Shared<Long>}
     */
    record Pool(List<Integer> intLengths, List<Integer> doubleLengths, int sharedInts, int sharedLongs) {
    }

    /** What a step does; the op kinds are named after their {@link ProgramOps} method. */
    enum Kind {
        FILL_INTS, ADD_INTS, MIX_INTS, FILL_DOUBLES, AXPY, INTS_INTO_DOUBLES, DOUBLES_INTO_INTS, SUM_INTS, HASH_DOUBLES,
        SHARED_INTO_INTS, SET_LONG, COMBINE, SCALE,
        /** An op taking an array of doubles (each element its own input) and a read-write target. */
        SUM_PARTS,
        /** An op taking a read-write {@code List} of int arrays. */
        SCALE_LIST,
        /** An instance op on one of the rank's plain receivers (a {@link ProgramOps.Tally}). */
        TALLY,
        /** {@code Shared.set} by the program. */
        PROGRAM_SET,
        /** {@code toArray()} / {@code get()} by the program, checked against the oracle. */
        PROGRAM_READ,
        SYNC;

        boolean isOp() {
            return ordinal() <= TALLY.ordinal();
        }
    }

    /**
     * One step. {@code a}, {@code b}, {@code c} pick objects; {@code where} below 3 means common, else rank
     * {@code (where - 3) % ranks}; {@code value} feeds the plain arguments; a non-zero {@code priority} is given
     * to the op with {@code bind.priority} (results must not depend on it).
     */
    record Step(Kind kind, int a, int b, int c, int where, int value, int priority) {
    }

    int placement(Step step) {
        return step.where() < 3 ? COMMON : (step.where() - 3) % setup.ranks();
    }

    int ints() {
        return pool.intLengths().size();
    }

    int doubles() {
        return pool.doubleLengths().size();
    }

    static Arbitrary<RandomProgram> arbitrary() {
        Arbitrary<Setup> setup = Combinators.combine(
            Arbitraries.frequency(Tuple.of(1, 1), Tuple.of(3, 2), Tuple.of(3, 3), Tuple.of(3, 4)),
            Arbitraries.integers().between(1, 2),
            Arbitraries.of(64, 200, 1 << 20),
            Arbitraries.of(2L, 8L, 1L << 16)).as(Setup::new);
        Arbitrary<Integer> length = Arbitraries.frequencyOf(
            Tuple.of(1, Arbitraries.just(0)),
            Tuple.of(10, Arbitraries.integers().between(1, 40)),
            Tuple.of(3, Arbitraries.integers().between(41, 400)),
            Tuple.of(1, Arbitraries.integers().between(401, 3000)));
        Arbitrary<Pool> pool = Combinators.combine(
            length.list().ofMinSize(1).ofMaxSize(4),
            length.list().ofMinSize(1).ofMaxSize(3),
            Arbitraries.integers().between(1, 2),
            Arbitraries.integers().between(1, 2)).as(Pool::new);
        Arbitrary<Kind> kind = Arbitraries.frequencyOf(
            Tuple.of(6, Arbitraries.of(Kind.FILL_INTS, Kind.ADD_INTS, Kind.MIX_INTS, Kind.FILL_DOUBLES, Kind.AXPY,
                Kind.INTS_INTO_DOUBLES, Kind.DOUBLES_INTO_INTS, Kind.SUM_INTS, Kind.HASH_DOUBLES,
                Kind.SHARED_INTO_INTS, Kind.SET_LONG, Kind.COMBINE, Kind.SCALE, Kind.SUM_PARTS, Kind.SCALE_LIST,
                Kind.TALLY)),
            Tuple.of(1, Arbitraries.just(Kind.PROGRAM_SET)),
            Tuple.of(1, Arbitraries.just(Kind.PROGRAM_READ)),
            Tuple.of(1, Arbitraries.just(Kind.SYNC)));
        Arbitrary<Integer> object = Arbitraries.integers().between(0, 11);
        Arbitrary<Step> step = Combinators.combine(kind, object, object, object,
            Arbitraries.integers().between(0, 9), Arbitraries.integers().between(-1000, 1000),
            Arbitraries.frequency(Tuple.of(4, 0), Tuple.of(1, -2), Tuple.of(1, 1), Tuple.of(1, 3))).as(Step::new);
        return Combinators.combine(setup, pool, step.list().ofMinSize(1).ofMaxSize(100)
            .withSizeDistribution(RandomDistribution.uniform())).as(RandomProgram::new);
    }

    /** The program as code, one line per step, for failure reports. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("\n").append(setup).append('\n').append(pool).append('\n');
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            b.append(String.format("  %2d: ", i));
            if (s.kind().isOp()) {
                int where = placement(s);
                b.append(where == COMMON ? "common " : "on(" + where + ") ");
            }
            b.append(s).append('\n');
        }
        return b.toString();
    }
}
