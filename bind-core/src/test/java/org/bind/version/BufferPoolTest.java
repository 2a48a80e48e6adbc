package org.bind.version;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;

import org.bind.codec.Codec;
import org.bind.testing.DumpStacksOnTimeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The pools of dead version buffers: a worker's and the rank's shared one. A buffer enters only when its version
 * dies, leaves once, and only for its own shape; a pool that is full makes room by discarding the sizes used least
 * recently; the shared pool keeps small buffers out, is safe from any thread, and discards everything once cleared.
 * The oracle is the identity of the buffers and the discards a counting type records.
 */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(60)
class BufferPoolTest {
    private static final MemoryAccount NO_ACCOUNT = bytes -> {
    };
    private static final int KIB = 1024;

    /** Byte arrays of one length, recycled by length; records what it is told to discard. */
    private static final class CountingType implements BufferType<Object> {
        final int length;
        /** One key object for every call (as the runtime's array types have), or null: a fresh boxed length. */
        final Object key;
        final Set<Object> discarded = Collections.newSetFromMap(Collections.synchronizedMap(new IdentityHashMap<>()));

        CountingType(int length) {
            this(length, null);
        }

        CountingType(int length, Object key) {
            this.length = length;
            this.key = key;
        }

        @Override
        public Object allocate() {
            return new byte[length];
        }

        @Override
        public Object copy(Object source, Object target) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Object reset(Object buffer) {
            return buffer;
        }

        @Override
        public long bytes(Object buffer) {
            return ((byte[]) buffer).length;
        }

        @Override
        public void discard(Object buffer) {
            assertTrue(discarded.add(buffer), "discarded twice");
        }

        @Override
        public Codec<Object> codec() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Object poolKey() {
            return key != null ? key : Integer.valueOf(length);
        }
    }

    @Test
    void shouldHandABufferOutOnceAndOnlyForItsOwnShape() {
        CountingType small = new CountingType(64 * KIB);
        CountingType large = new CountingType(128 * KIB);
        BufferPool pool = BufferPool.shared(1 << 20);
        Object a = small.allocate();
        pool.recycle(small, a);
        assertNull(pool.take(large), "no buffer of another shape");
        assertSame(a, pool.take(small));
        assertNull(pool.take(small), "handed out once");
        assertEquals(1, pool.reused());
        assertEquals(0, pool.heldBytes());
    }

    @Test
    void shouldMakeRoomByDiscardingTheSizeUsedLeastRecently() {
        CountingType one = new CountingType(100 * KIB);
        CountingType two = new CountingType(200 * KIB);
        CountingType four = new CountingType(400 * KIB);
        BufferPool pool = new BufferPool(500 * KIB);
        Object oneOld = one.allocate();
        Object oneNew = one.allocate();
        Object twoOnly = two.allocate();
        pool.recycle(one, oneOld);
        pool.recycle(one, oneNew);
        pool.recycle(two, twoOnly);   // 400 KiB held; the 100 KiB size is now the least recently used
        Object fourOnly = four.allocate();
        pool.recycle(four, fourOnly); // needs 300 KiB more room: both 100 KiB buffers go, then the 200 KiB one
        assertEquals(Set.of(), Set.copyOf(four.discarded));
        assertEquals(2, one.discarded.size(), "the least recently used size went first");
        assertEquals(1, two.discarded.size(), "then the next one");
        assertEquals(400 * KIB, pool.heldBytes());
        assertSame(fourOnly, pool.take(four), "the newest buffer stays");

        Object tooLarge = new CountingType(600 * KIB).allocate();
        CountingType huge = new CountingType(600 * KIB);
        pool.recycle(huge, tooLarge);
        assertTrue(huge.discarded.contains(tooLarge), "a buffer larger than the whole pool is discarded");
    }

    @Test
    void shouldKeepTheLeastRecentlyUsedOrderWhenOneKeyIsUsedOverAndOver() {
        CountingType one = new CountingType(100 * KIB, "one");
        CountingType two = new CountingType(100 * KIB, "two");
        CountingType four = new CountingType(400 * KIB, "four");
        BufferPool pool = new BufferPool(600 * KIB);
        Object oneFirst = one.allocate();
        Object twoFirst = two.allocate();
        Object oneSecond = one.allocate();
        pool.recycle(one, oneFirst);
        pool.recycle(two, twoFirst);
        assertSame(twoFirst, pool.take(two));  // the key used last, taken again
        pool.recycle(two, twoFirst);
        pool.recycle(one, oneSecond);          // size "one" is the most recent again
        assertSame(oneSecond, pool.take(one), "newest first");
        pool.recycle(one, oneSecond);
        pool.recycle(four, four.allocate());   // needs 100 KiB more room: "two" was used least recently
        assertEquals(Set.of(twoFirst), Set.copyOf(two.discarded), "the least recently used key went first");
        assertEquals(Set.of(), Set.copyOf(one.discarded));
        assertNull(pool.take(two), "its buffers are gone");
        assertSame(oneSecond, pool.take(one));
        assertSame(oneFirst, pool.take(one));
        assertNull(pool.take(one));
        Object four2 = four.allocate();
        pool.recycle(four, four2);             // room for it by evicting the other 400 KiB buffer, and its key
        assertEquals(1, four.discarded.size());
        assertSame(four2, pool.take(four), "the key's entry made anew after its eviction");
        assertEquals(0, pool.heldBytes());
        pool.recycle(one, oneFirst);           // after a key was evicted and taken from, one more round
        assertSame(oneFirst, pool.take(one));
        assertEquals(6, pool.reused());

        BufferPool small = new BufferPool(150 * KIB);
        Object a = one.allocate();
        Object b = one.allocate();
        small.recycle(one, a);
        small.recycle(one, b);                 // evicts a, and with it the key's entry, the most recently used
        small.recycle(two, twoFirst);          // must find b to make room: b is in the pool's map, not lost
        assertTrue(one.discarded.containsAll(List.of(a, b)), "both went, oldest first");
        assertEquals(100 * KIB, small.heldBytes());
        assertSame(twoFirst, small.take(two));
        assertNull(small.take(one));
    }

    @Test
    void shouldKeepSmallBuffersOutOfTheSharedPool() {
        CountingType tiny = new CountingType((int) BufferPool.SHARED_MIN_BYTES - 1);
        BufferPool shared = BufferPool.shared(1 << 20);
        Object buffer = tiny.allocate();
        shared.recycle(tiny, buffer);
        assertTrue(tiny.discarded.contains(buffer));
        assertEquals(0, shared.heldBytes());
        BufferPool worker = new BufferPool(1 << 20);
        Object kept = tiny.allocate();
        worker.recycle(tiny, kept);
        assertSame(kept, worker.take(tiny), "a worker's pool keeps them");
    }

    @Test
    void shouldDiscardWhatASharedPoolHeldAndWhatItIsGivenOnceCleared() {
        CountingType type = new CountingType(64 * KIB);
        BufferPool shared = BufferPool.shared(1 << 20);
        Object held = type.allocate();
        shared.recycle(type, held);
        shared.clear();
        assertTrue(type.discarded.contains(held));
        Object late = type.allocate();
        shared.recycle(type, late); // a sending thread that ends after the rank closed
        assertTrue(type.discarded.contains(late));
        assertNull(shared.take(type));
    }

    /** Only the last release of a version's holds recycles its buffer: never one a live version still holds. */
    @Test
    void shouldRecycleAVersionsBufferOnlyWhenItsLastHoldIsReleased() {
        ArrayBufferType<int[]> type = new ArrayBufferType<>(int[].class, 32 * KIB);
        @SuppressWarnings("unchecked")
        BufferType<Object> erased = (BufferType<Object>) (BufferType<?>) type;
        BufferPool shared = BufferPool.shared(1 << 20);
        VersionChain chain = new VersionChain(null, 1, "A#1", type);
        int[] first = new int[32 * KIB];
        Version version = chain.supersedeWith(first, null, NO_ACCOUNT);
        version.addHold(); // a send of it in flight
        chain.supersedeWith(new int[32 * KIB], shared, NO_ACCOUNT); // the latest-hold goes
        assertNull(shared.take(erased), "still held by its send");
        assertSame(first, version.buffer());
        version.releaseHold(shared, NO_ACCOUNT); // the send is over
        assertNull(version.buffer());
        assertSame(first, shared.take(erased));
    }

    /**
     * A version received from another rank returns its buffer to the rank's shared pool whichever thread drops its
     * last hold (a worker after its last reader: not that worker's own pool, where received versions never look), and
     * only then; a buffer too small for the shared pool goes to the worker's pool as before.
     */
    @Test
    void shouldReturnAReceivedVersionsBufferToTheSharedPoolWhereverItDies() {
        ArrayBufferType<int[]> type = new ArrayBufferType<>(int[].class, 32 * KIB);
        @SuppressWarnings("unchecked")
        BufferType<Object> erased = (BufferType<Object>) (BufferType<?>) type;
        BufferPool shared = BufferPool.shared(1 << 20);
        BufferPool worker = new BufferPool(1 << 20);
        VersionChain chain = new VersionChain(null, 1, "A#1", type);
        Version received = chain.supersedeRemote(shared, NO_ACCOUNT); // produced on another rank: held as latest
        received.addHold(); // its receive
        received.addHold(); // a reader here
        int[] landed = new int[32 * KIB];
        received.completeReceived(landed, shared, NO_ACCOUNT); // the receive's hold goes
        chain.supersedeRemote(shared, NO_ACCOUNT); // the next version is written elsewhere: the latest-hold goes
        assertNull(shared.take(erased), "still held by its reader");
        received.releaseHold(worker, NO_ACCOUNT); // the reader ran on a worker
        assertNull(worker.take(erased), "not the worker's pool");
        assertSame(landed, shared.take(erased));

        ArrayBufferType<int[]> smallType = new ArrayBufferType<>(int[].class, 1024);
        @SuppressWarnings("unchecked")
        BufferType<Object> smallErased = (BufferType<Object>) (BufferType<?>) smallType;
        VersionChain smallChain = new VersionChain(null, 2, "B#2", smallType);
        Version small = smallChain.supersedeRemote(shared, NO_ACCOUNT);
        small.addHold(); // its receive
        small.addHold(); // a reader here
        int[] smallLanded = new int[1024];
        small.completeReceived(smallLanded, shared, NO_ACCOUNT);
        smallChain.supersedeRemote(shared, NO_ACCOUNT);
        small.releaseHold(worker, NO_ACCOUNT);
        assertSame(smallLanded, worker.take(smallErased), "below the shared pool's smallest: the worker keeps it");
    }

    /**
     * Threads recycle and take at once: every buffer taken was recycled before and is taken at most once per time it
     * was recycled, and no buffer is lost (taken, held or discarded at the end).
     */
    @Test
    void shouldHandEachBufferToOneTakerWhenThreadsShareThePool() throws Exception {
        CountingType type = new CountingType(64 * KIB);
        BufferPool shared = BufferPool.shared(64L * 64 * KIB);
        int threads = 4;
        int rounds = 20_000;
        Map<Object, Thread> owner = Collections.synchronizedMap(new IdentityHashMap<>());
        AtomicReference<String> failure = new AtomicReference<>();
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Thread> workers = new ArrayList<>();
        List<List<Object>> mine = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            List<Object> own = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Object buffer = type.allocate();
                own.add(buffer);
            }
            mine.add(own);
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                    for (int r = 0; r < rounds; r++) {
                        if (!own.isEmpty() && (r & 1) == 0) {
                            Object given = own.remove(own.size() - 1);
                            owner.remove(given);
                            shared.recycle(type, given);
                        } else {
                            Object taken = shared.take(type);
                            if (taken != null) {
                                Thread before = owner.put(taken, Thread.currentThread());
                                if (before != null) {
                                    failure.compareAndSet(null, "a buffer held by " + before.getName()
                                        + " was handed to " + Thread.currentThread().getName());
                                }
                                own.add(taken);
                            }
                        }
                    }
                } catch (Exception e) {
                    failure.compareAndSet(null, e.toString());
                }
            }, "pool-user-" + t);
            workers.add(worker);
            worker.start();
        }
        for (Thread worker : workers) {
            worker.join();
        }
        assertNull(failure.get());
        int held = 0;
        for (List<Object> own : mine) {
            held += own.size();
        }
        shared.clear();
        assertEquals(threads * 8, held + type.discarded.size(), "every buffer is held or was discarded");
        for (List<Object> own : mine) {
            for (Object buffer : own) {
                assertNotSame(null, buffer);
                assertTrue(!type.discarded.contains(buffer), "a buffer held by a thread was also discarded");
            }
        }
    }
}
