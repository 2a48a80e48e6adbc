package org.bind.version;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/**
 * The buffers of versions whose last hold a thread without a pool releases (a sending thread): kept for the workers
 * (a worker's pool falls back on them), bounded, and discarded once the rank closes.
 */
class SpareBuffersTest {
    private static final int LENGTH = 1024;
    private static final long BYTES = 16L + 4L * LENGTH;

    /** An int[] type that records what the runtime discards (as a native type would free it). */
    private static final class RecordingType implements BufferType<int[]> {
        final ArrayBufferType<int[]> arrays = new ArrayBufferType<>(int[].class, LENGTH);
        final List<int[]> discarded = new ArrayList<>();

        @Override
        public int[] allocate() {
            return arrays.allocate();
        }

        @Override
        public int[] copy(int[] source, int[] target) {
            return arrays.copy(source, target);
        }

        @Override
        public int[] reset(int[] buffer) {
            return arrays.reset(buffer);
        }

        @Override
        public long bytes(int[] buffer) {
            return arrays.bytes(buffer);
        }

        @Override
        public void discard(int[] buffer) {
            discarded.add(buffer);
        }

        @Override
        public org.bind.codec.Codec<int[]> codec() {
            return arrays.codec();
        }

        @Override
        public Object poolKey() {
            return arrays.poolKey();
        }
    }

    /** A done version of {@code chain} holding {@code buffer}, with one hold (a send's) besides none other. */
    private static Version sentVersion(VersionChain chain, int[] buffer, AtomicLong live) {
        Version version = chain.supersede(null, live::addAndGet);   // held as latest and by its producer
        version.addHold();                                          // the send's hold
        live.addAndGet(BYTES);
        version.complete(buffer, null, live::addAndGet);            // the producer's hold ends
        chain.supersede(null, live::addAndGet).complete(new int[LENGTH], null, live::addAndGet); // no longer latest
        return version;
    }

    @Test
    void shouldGiveTheBufferOfAVersionLastHeldByASendToTheNextWorkerThatLacksOne() {
        RecordingType type = new RecordingType();
        SpareBuffers spares = new SpareBuffers(4 * BYTES);
        BufferPool worker = new BufferPool(4 * BYTES, spares);
        AtomicLong live = new AtomicLong();
        VersionChain chain = new VersionChain(null, 1, "a", type);
        int[] sent = new int[LENGTH];
        Version version = sentVersion(chain, sent, live);
        long before = live.get();

        version.releaseHoldInto(spares, live::addAndGet); // the send ends on a thread without a pool

        assertNull(version.buffer(), "the dead version lets go of its buffer");
        assertEquals(before - BYTES, live.get(), "the buffer is no longer counted as live");
        assertTrue(type.discarded.isEmpty(), "kept, not discarded");
        @SuppressWarnings("unchecked")
        BufferType<Object> erased = (BufferType<Object>) (BufferType<?>) type;
        assertSame(sent, worker.take(erased), "the worker's pool, empty itself, takes the spare");
        assertNull(worker.take(erased), "handed out once");
        assertEquals(1, spares.reused());
    }

    @Test
    void shouldDiscardWhatDoesNotFitAndEverythingOnceCleared() {
        RecordingType type = new RecordingType();
        @SuppressWarnings("unchecked")
        BufferType<Object> erased = (BufferType<Object>) (BufferType<?>) type;
        SpareBuffers spares = new SpareBuffers(BYTES);
        int[] first = new int[LENGTH];
        int[] second = new int[LENGTH];
        spares.recycle(erased, first);
        spares.recycle(erased, second);
        assertEquals(List.of(second), type.discarded, "a second buffer exceeds the bound");

        spares.clear();
        assertEquals(List.of(second, first), type.discarded, "clearing discards what was kept");
        int[] late = new int[LENGTH];
        spares.recycle(erased, late);
        assertEquals(List.of(second, first, late), type.discarded, "after clearing, a buffer is discarded at once");
        assertNull(spares.take(erased));
    }

    @Test
    void shouldPreferTheWorkersOwnBufferToASpareOne() {
        RecordingType type = new RecordingType();
        @SuppressWarnings("unchecked")
        BufferType<Object> erased = (BufferType<Object>) (BufferType<?>) type;
        SpareBuffers spares = new SpareBuffers(4 * BYTES);
        BufferPool worker = new BufferPool(4 * BYTES, spares);
        int[] own = new int[LENGTH];
        int[] spare = new int[LENGTH];
        worker.recycle(erased, own);
        spares.recycle(erased, spare);
        assertSame(own, worker.take(erased), "its own first (still in its core's cache)");
        assertSame(spare, worker.take(erased), "then a spare one");
        assertNull(worker.take(erased));
        assertEquals(1, worker.reused());
        assertEquals(1, spares.reused());
    }
}
