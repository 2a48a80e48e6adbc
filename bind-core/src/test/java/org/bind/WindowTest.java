package org.bind;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.bind.dag.Counters;
import org.bind.schedule.Window;
import org.bind.testing.Deadline;
import org.bind.testing.DumpStacksOnTimeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The submission window blocks the program thread while too many ops are in flight or too many bytes are live,
 * and lets it go on as soon as ops finish. The program runs on its own thread; the test waits until that thread
 * is parked inside an op call (it has returned from exactly the calls before it), then unblocks the ops.
 */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(60)
class WindowTest {
    static final class Ops {
        @Op
        static void blockUntil(@Out IntArray x, int value, @ByRef CountDownLatch started,
                               @ByRef CountDownLatch release) throws InterruptedException, TimeoutException {
            started.countDown();
            if (!release.await(20, TimeUnit.SECONDS)) {
                throw new TimeoutException("never released");
            }
            java.util.Arrays.fill(x.data(), value);
        }

        @Op
        static void add(IntArray x, int value) {
            int[] d = x.data();
            for (int i = 0; i < d.length; i++) {
                d[i] += value;
            }
        }
    }

    @Test
    void shouldBlockTheProgramWhileTheOpsWindowIsFull() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger callsReturned = new AtomicInteger();
        AtomicReference<Thread> program = new AtomicReference<>();
        AtomicReference<Counters> counters = new AtomicReference<>();
        AtomicReference<Boolean> releasedWhenThirdCallReturned = new AtomicReference<>();
        Thread unblocker = new Thread(() -> {
            awaitParkedAfter(program, callsReturned, 2);
            release.countDown();
        }, "window-test-unblocker");
        unblocker.setDaemon(true);
        unblocker.start();
        int[] result = Deadline.run("window-test-program", Duration.ofSeconds(40), () -> {
            program.set(Thread.currentThread());
            try (Bind bind = Bind.init(new Bind.Context().workers(2).windowOps(2))) {
                IntArray a = IntArray.of(2);
                IntArray b = IntArray.of(2);
                IntArray c = IntArray.of(2);
                Ops.blockUntil(a, 1, new CountDownLatch(1), release);
                callsReturned.incrementAndGet();
                Ops.blockUntil(b, 2, new CountDownLatch(1), release);
                callsReturned.incrementAndGet();
                Ops.add(c, 3); // the window holds two ops: this call waits until one finishes
                callsReturned.incrementAndGet();
                releasedWhenThirdCallReturned.set(release.getCount() == 0);
                bind.sync();
                counters.set(bind.counters());
                int[] all = new int[6];
                System.arraycopy(a.toArray(), 0, all, 0, 2);
                System.arraycopy(b.toArray(), 0, all, 2, 2);
                System.arraycopy(c.toArray(), 0, all, 4, 2);
                return all;
            }
        });
        unblocker.join(10_000);
        assertArrayEquals(new int[] {1, 1, 2, 2, 3, 3}, result);
        assertEquals(Boolean.TRUE, releasedWhenThirdCallReturned.get(),
            "the third op call returned while the two ops in the window were still blocked");
        assertTrue(counters.get().windowStalls() >= 1, counters.get().toString());
    }

    @Test
    void shouldBlockTheProgramWhileTooManyBytesAreLiveAndTheWorkersHaveOpsAtHand() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger callsReturned = new AtomicInteger();
        AtomicReference<Thread> program = new AtomicReference<>();
        AtomicReference<Counters> counters = new AtomicReference<>();
        AtomicReference<Boolean> releasedWhenFloorFilled = new AtomicReference<>();
        AtomicReference<Boolean> releasedWhenNextCallReturned = new AtomicReference<>();
        int floor = (int) Window.floorFor(1);
        Thread unblocker = new Thread(() -> {
            awaitParkedAfter(program, callsReturned, floor);
            release.countDown();
        }, "window-test-unblocker");
        unblocker.setDaemon(true);
        unblocker.start();
        int[] result = Deadline.run("window-test-program", Duration.ofSeconds(40), () -> {
            program.set(Thread.currentThread());
            try (Bind bind = Bind.init(new Bind.Context().workers(1).windowBytes(10_000))) {
                IntArray big = IntArray.of(4096);   // 16 KB per version: one live version exceeds the window
                IntArray small = IntArray.of(1);
                Ops.blockUntil(big, 7, started, release); // holds the only worker
                if (!started.await(20, TimeUnit.SECONDS)) {
                    throw new TimeoutException("the first op never started");
                }
                callsReturned.incrementAndGet();
                for (int i = 1; i < floor; i++) { // below the floor the byte bound does not block
                    Ops.add(small, 1);
                    callsReturned.incrementAndGet();
                }
                releasedWhenFloorFilled.set(release.getCount() == 0);
                Ops.add(small, 1); // the floor is in flight and 16 KB are live in a 10 KB window: it waits
                callsReturned.incrementAndGet();
                releasedWhenNextCallReturned.set(release.getCount() == 0);
                bind.sync();
                counters.set(bind.counters());
                return new int[] {big.toArray()[4095], small.toArray()[0]};
            }
        });
        unblocker.join(10_000);
        assertArrayEquals(new int[] {7, floor}, result);
        assertEquals(Boolean.FALSE, releasedWhenFloorFilled.get(),
            "the calls up to the floor of " + floor + " ops in flight waited for the blocked op");
        assertEquals(Boolean.TRUE, releasedWhenNextCallReturned.get(),
            "a call returned while 16 KB were live in a 10 KB window and " + floor + " ops were in flight");
        assertTrue(counters.get().windowStalls() >= 1, counters.get().toString());
    }

    /** Waits until the program thread has returned from {@code calls} op calls and is parked in the next one. */
    private static void awaitParkedAfter(AtomicReference<Thread> program, AtomicInteger callsReturned, int calls) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() - deadline < 0) {
            Thread p = program.get();
            if (p != null && callsReturned.get() == calls) {
                Thread.State state = p.getState();
                if ((state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING)
                    && callsReturned.get() == calls) {
                    return;
                }
            }
            if (callsReturned.get() > calls) {
                return; // the call did not block: the program's assertions will say so
            }
            LockSupport.parkNanos(1_000_000L);
        }
    }
}
