package org.bind.version;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.bind.testing.DumpStacksOnTimeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The lock-free waiter list of a version: threads register waiters while another publishes the version. Every
 * waiter must be told exactly once when its registration succeeded, and never when it was refused (the version
 * was done); waiters registered one after another are told in that order.
 */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(120)
class VersionWaitersStressTest {
    private static final MemoryAccount NO_ACCOUNT = bytes -> {
    };

    private static final BufferType<?> TYPE = new ArrayBufferType<>(int[].class, 1);

    @Test
    void shouldTellEveryRegisteredWaiterExactlyOnceWhileTheVersionCompletes() throws Exception {
        int threads = 4;
        int perThread = 64;
        for (int round = 0; round < 3_000; round++) {
            VersionChain chain = new VersionChain(null, round, "stress", TYPE);
            Version version = chain.supersede(null, NO_ACCOUNT);
            AtomicIntegerArray told = new AtomicIntegerArray(threads * perThread);
            boolean[] registered = new boolean[threads * perThread];
            CyclicBarrier start = new CyclicBarrier(threads + 1);
            List<Thread> adders = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int base = t * perThread;
                Thread adder = new Thread(() -> {
                    await(start);
                    for (int i = 0; i < perThread; i++) {
                        int id = base + i;
                        registered[id] = version.addWaiter(v -> told.incrementAndGet(id));
                    }
                });
                adder.start();
                adders.add(adder);
            }
            await(start);
            if ((round & 1) == 0) {
                Thread.onSpinWait();
            }
            version.complete(new int[1], null, NO_ACCOUNT);
            for (Thread adder : adders) {
                adder.join();
            }
            for (int id = 0; id < registered.length; id++) {
                assertEquals(registered[id] ? 1 : 0, told.get(id),
                    "round " + round + ", waiter " + id + " (registered: " + registered[id] + ")");
            }
            assertTrue(version.isDone());
            assertTrue(!version.addWaiter(v -> { }), "a done version refuses waiters");
        }
    }

    @Test
    void shouldTellWaitersInTheOrderTheyRegistered() {
        for (int waiters : new int[] {1, 2, 3, 10}) {
            VersionChain chain = new VersionChain(null, waiters, "order", TYPE);
            Version version = chain.supersede(null, NO_ACCOUNT);
            List<Integer> order = new ArrayList<>();
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < waiters; i++) {
                int id = i;
                assertTrue(version.addWaiter(v -> order.add(id)));
                expected.add(i);
            }
            version.complete(new int[1], null, NO_ACCOUNT);
            assertEquals(expected, order, waiters + " waiters");
        }
    }

    @Test
    void shouldTellWaitersOfAFailedVersion() throws InterruptedException {
        VersionChain chain = new VersionChain(null, 2, "failed", TYPE);
        Version version = chain.supersede(null, NO_ACCOUNT);
        CountDownLatch told = new CountDownLatch(2);
        assertTrue(version.addWaiter(v -> told.countDown()));
        assertTrue(version.addWaiter(v -> told.countDown()));
        version.fail(new Failure("op", 0, 0, new IllegalStateException("x")), null, NO_ACCOUNT);
        assertTrue(told.await(10, java.util.concurrent.TimeUnit.SECONDS));
        assertTrue(version.isFailed());
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
