package org.bind;

import static org.bind.MisuseTest.assertContains;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.bind.testing.DumpStacksOnTimeout;
import org.bind.testing.Workers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fail-stop on one rank: an op that throws makes {@code sync()} throw {@link OpFailedException} naming it, its
 * dependents are skipped, independent ops finish, workers survive, and a lost value is never read silently.
 */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(30)
class FailureTest {
    static final class Ops {
        /** Read-write: adds one to every element, then throws what {@code error} holds (if anything). */
        @Op
        static void boom(IntArray x, @ByRef AtomicReference<RuntimeException> error) {
            int[] d = x.data();
            for (int i = 0; i < d.length; i++) {
                d[i] += 1;
            }
            RuntimeException e = error.get();
            if (e != null) {
                throw e;
            }
        }

        @Op
        static void fill(@Out IntArray x, int value) {
            java.util.Arrays.fill(x.data(), value);
        }

        @Op
        static void copyPlus(@In IntArray from, @Out IntArray to, int add, @ByRef AtomicInteger bodies) {
            bodies.incrementAndGet();
            int[] a = from.data();
            int[] b = to.data();
            for (int i = 0; i < b.length; i++) {
                b[i] = a[i % a.length] + add;
            }
        }

        @Op
        static void addInto(@In IntArray from, IntArray to, @ByRef AtomicInteger bodies) {
            bodies.incrementAndGet();
            int[] a = from.data();
            int[] b = to.data();
            for (int i = 0; i < b.length; i++) {
                b[i] += a[i % a.length];
            }
        }

        @Op
        static void reader(@In IntArray x, @ByRef AtomicInteger bodies) {
            bodies.incrementAndGet();
            x.data();
        }

        @Op
        static void throwsError(IntArray x) {
            throw new AssertionError("an Error, not an Exception");
        }

        /** Records the thread it runs on, then throws. */
        @Op
        static void failOnThisThread(IntArray x, @ByRef AtomicReference<Thread> thread) {
            thread.set(Thread.currentThread());
            throw new IllegalStateException("thrown on " + Thread.currentThread().getName());
        }
    }

    @Test
    void shouldThrowOpFailedExceptionNamingTheOpAndCarryingItsCause() {
        try (Bind bind = Bind.init()) {
            IntArray x = IntArray.of(2);
            IllegalArgumentException thrown = new IllegalArgumentException("kaboom");
            Ops.boom(x, new AtomicReference<>(thrown));
            OpFailedException e = assertThrows(OpFailedException.class, bind::sync);
            assertEquals("Ops.boom", e.opName());
            assertEquals(0, e.rank());
            assertSame(thrown, e.getCause());
            assertContains(e.getMessage(), "Ops.boom", "rank 0", "kaboom");
        }
    }

    @Test
    void shouldSkipDependentsWhenOpThrows() {
        try (Bind bind = Bind.init(new Bind.Context().workers(2))) {
            IntArray x = IntArray.of(3);
            IntArray y = IntArray.of(3);
            IntArray z = IntArray.of(3);
            IntArray free = IntArray.of(3);
            IntArray freeOut = IntArray.of(3);
            AtomicInteger dependents = new AtomicInteger();
            AtomicInteger independents = new AtomicInteger();

            Ops.fill(x, 5);
            Ops.fill(free, 7);
            Ops.boom(x, new AtomicReference<>(new IllegalStateException("x is lost")));
            Ops.copyPlus(x, y, 1, dependents);      // reads the lost x
            Ops.addInto(y, z, dependents);          // reads y, lost transitively
            Ops.reader(z, dependents);              // reads z, lost transitively
            Ops.copyPlus(free, freeOut, 3, independents);
            Ops.addInto(freeOut, free, independents);

            OpFailedException e = assertThrows(OpFailedException.class, bind::sync);
            assertEquals("Ops.boom", e.opName());
            assertEquals(0, dependents.get(), "bodies of ops depending on the failed op ran");
            assertEquals(2, independents.get(), "independent ops ran");
            assertEquals(3, bind.counters().opsSkipped(), "skipped ops");
            assertArrayEquals(new int[] {10, 10, 10}, freeOut.toArray());
            assertArrayEquals(new int[] {17, 17, 17}, free.toArray());
        }
    }

    @Test
    void shouldKeepWorkersAliveAfterAFailure() {
        try (Bind bind = Bind.init(new Bind.Context().workers(2))) {
            IntArray x = IntArray.of(1);
            AtomicReference<Thread> failedOn = new AtomicReference<>();
            Ops.failOnThisThread(x, failedOn);
            Ops.throwsError(IntArray.of(1));
            OpFailedException e = assertThrows(OpFailedException.class, bind::sync);
            assertEquals("Ops.failOnThisThread", e.opName(), "the first failure in program order is reported");
            assertEquals(1, e.getSuppressed().length, "the second failure is attached");
            OpFailedException second = assertInstanceOf(OpFailedException.class, e.getSuppressed()[0]);
            assertEquals("Ops.throwsError", second.opName());
            assertInstanceOf(AssertionError.class, second.getCause());
            assertTrue(failedOn.get().getName().startsWith(Workers.NAME_PREFIX), failedOn.get().getName());
            assertTrue(failedOn.get().isAlive(), failedOn.get().getName() + " died with the op it ran");
            assertEquals(2, bind.workers());

            // The next epochs work: many ops, on every worker that is left.
            IntArray[] ys = new IntArray[8];
            for (int epoch = 0; epoch < 3; epoch++) {
                for (int i = 0; i < ys.length; i++) {
                    ys[i] = IntArray.of(2);
                    Ops.fill(ys[i], epoch * 10 + i);
                    Ops.addInto(ys[i], ys[i], new AtomicInteger());
                }
                bind.sync();
                for (int i = 0; i < ys.length; i++) {
                    int v = 2 * (epoch * 10 + i);
                    assertArrayEquals(new int[] {v, v}, ys[i].toArray(), "epoch " + epoch + ", array " + i);
                }
            }
        }
    }

    @Test
    void shouldRejectReadingAValueWhoseProducerFailed() {
        try (Bind bind = Bind.init()) {
            IntArray x = IntArray.of(2);
            Ops.fill(x, 3);
            Ops.boom(x, new AtomicReference<>(new IllegalStateException("no value")));
            assertThrows(OpFailedException.class, bind::sync);
            BindException e = assertThrows(BindException.class, x::toArray);
            assertContains(e.getMessage(), x.toString(), "Ops.boom");

            Ops.fill(x, 9); // a new full write gives the object a value again
            bind.sync();
            assertArrayEquals(new int[] {9, 9}, x.toArray());
        }
    }

    @Test
    void shouldFailALaterEpochThatReadsALostVersion() {
        try (Bind bind = Bind.init()) {
            IntArray x = IntArray.of(2);
            IntArray y = IntArray.of(2);
            AtomicInteger bodies = new AtomicInteger();
            Ops.boom(x, new AtomicReference<>(new IllegalStateException("lost in epoch 1")));
            OpFailedException first = assertThrows(OpFailedException.class, bind::sync);
            assertEquals("Ops.boom", first.opName());

            Ops.copyPlus(x, y, 1, bodies);
            OpFailedException later = assertThrows(OpFailedException.class, bind::sync,
                "reading a lost version in a later epoch must not pass silently");
            assertEquals("Ops.copyPlus", later.opName());
            assertContains(later.getMessage(), "Ops.boom");
            assertEquals(0, bodies.get());

            Ops.reader(y, bodies); // y is lost too (its producer could not run)
            OpFailedException third = assertThrows(OpFailedException.class, bind::sync);
            assertEquals("Ops.reader", third.opName());
            assertEquals(0, bodies.get());
        }
    }

    @Test
    void shouldNotReportAFailureTwice() {
        try (Bind bind = Bind.init()) {
            IntArray x = IntArray.of(1);
            IntArray other = IntArray.of(1);
            Ops.boom(x, new AtomicReference<>(new IllegalStateException("once")));
            assertThrows(OpFailedException.class, bind::sync);
            Ops.fill(other, 4);
            bind.sync(); // nothing of this epoch failed
            assertArrayEquals(new int[] {4}, other.toArray());
        }
    }

    @Test
    void shouldReportAnUnsyncedFailureFromCloseAndStillStopTheWorkers() {
        Set<Thread> before = Workers.alive();
        Bind bind = Bind.init(new Bind.Context().workers(2));
        IntArray x = IntArray.of(1);
        Ops.boom(x, new AtomicReference<>(new IllegalStateException("at close")));
        OpFailedException e = assertThrows(OpFailedException.class, bind::close);
        assertEquals("Ops.boom", e.opName());
        bind.close(); // idempotent, even after a failed close
        Set<Thread> left = Workers.awaitExitExcept(before, Duration.ofSeconds(10));
        assertTrue(left.isEmpty(), () -> "workers still alive after close: " + left);
        try (Bind again = Bind.init()) {
            IntArray y = IntArray.of(1);
            Ops.fill(y, 2);
            again.sync();
            assertArrayEquals(new int[] {2}, y.toArray());
        }
    }
}
