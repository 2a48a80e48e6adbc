package org.bind.mpi.mpj;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A peer's sender whose send blocks (a peer that stopped reading), without MPJ: a sink that waits for a latch. Every
 * wait is bounded, so a failure reports itself instead of hanging.
 */
class MpjPeerSenderTest {
    /** MpjTransport.FRAME_TAG (MpjTransport is compiled only where MPJ Express is installed). */
    private static final int FRAME_TAG = 1;

    /** A message body that records its release. */
    private static final class Bytes implements MpjPeerSender.Body {
        private final int length;
        final AtomicInteger releases = new AtomicInteger();

        Bytes(int length) {
            this.length = length;
        }

        @Override
        public int length() {
            return length;
        }

        @Override
        public void release() {
            releases.incrementAndGet();
        }
    }

    @Test
    @Timeout(20)
    void shouldShowAStalledSendAndFreeTheQueuedBytesWhenThePeerIsDropped() throws Exception {
        Semaphore queueBytes = new Semaphore(100);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch unblock = new CountDownLatch(1);
        List<Integer> sent = new CopyOnWriteArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        MpjPeerSender sender = new MpjPeerSender(Thread.currentThread().getThreadGroup(), "test-sender", 1, 1,
            new MpjPeerSender.Sink() {
                @Override
                public MpjPeerSender.Pending start(int toRank, MpjPeerSender.Outbound message) throws Exception {
                    entered.countDown();
                    unblock.await();
                    sent.add(message.body().length());
                    return null;
                }

                @Override
                public void onSendFailed(int toRank, MpjPeerSender.Outbound message, Throwable failure) {
                    failures.add(failure);
                }
            }, queueBytes);
        assertEquals(0, sender.stalledNs(System.nanoTime()), "no send in progress yet");
        Bytes first = new Bytes(10);
        Bytes second = new Bytes(30);
        queueBytes.acquire(10);
        sender.add(new MpjPeerSender.Outbound(FRAME_TAG, first, 10));
        queueBytes.acquire(30);
        sender.add(new MpjPeerSender.Outbound(FRAME_TAG, second, 30));
        assertTrue(entered.await(10, TimeUnit.SECONDS), "the first send did not start");
        long later = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        assertTrue(sender.stalledNs(later) >= TimeUnit.SECONDS.toNanos(5), "the blocked send is not seen as stalled");
        assertEquals(10, sender.sendingBytes());
        assertEquals(60, queueBytes.availablePermits());

        sender.drop();   // the peer is lost: what waits behind the blocked send is dropped, its bytes freed
        assertEquals(90, queueBytes.availablePermits());
        assertEquals(1, second.releases.get(), "the dropped message's bytes were not released");
        assertEquals(0, first.releases.get(), "the bytes of the send in progress were released under it");
        unblock.countDown();
        sender.stop();
        assertTrue(sender.join(System.nanoTime() + TimeUnit.SECONDS.toNanos(10)), "the sender did not end");
        assertEquals(100, queueBytes.availablePermits(), "the bytes of the send in progress were not freed");
        assertEquals(List.of(10), sent, "a dropped message was sent");
        assertEquals(1, first.releases.get(), "the sent message's bytes were not released once");
        assertEquals(0, sender.stalledNs(System.nanoTime()));
        assertEquals(List.of(), failures);
    }

    @Test
    @Timeout(20)
    void shouldStartUpToTheWindowBeforeTheOldestCompletesAndFreeEachInOrder() throws Exception {
        Semaphore queueBytes = new Semaphore(100);
        List<Integer> started = new CopyOnWriteArrayList<>();
        List<Integer> completed = new CopyOnWriteArrayList<>();
        List<CountDownLatch> done = List.of(new CountDownLatch(1), new CountDownLatch(1), new CountDownLatch(1));
        CountDownLatch twoStarted = new CountDownLatch(2);
        // the first start waits until all three are queued: with none queued behind a send, the sender waits for it
        // to complete (nothing more to announce), and that must not depend on how fast this thread adds them
        CountDownLatch allQueued = new CountDownLatch(1);
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        MpjPeerSender sender = new MpjPeerSender(Thread.currentThread().getThreadGroup(), "test-window-sender", 1, 2,
            new MpjPeerSender.Sink() {
                @Override
                public MpjPeerSender.Pending start(int toRank, MpjPeerSender.Outbound message) throws Exception {
                    if (started.isEmpty() && !allQueued.await(10, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("the messages were never all queued");
                    }
                    int index = started.size();
                    started.add(message.body().length());
                    twoStarted.countDown();
                    return () -> {
                        if (!done.get(index).await(10, TimeUnit.SECONDS)) {
                            throw new IllegalStateException("send " + index + " never completed");
                        }
                        completed.add(message.body().length());
                    };
                }

                @Override
                public void onSendFailed(int toRank, MpjPeerSender.Outbound message, Throwable failure) {
                    failures.add(failure);
                }
            }, queueBytes);
        Bytes[] bodies = {new Bytes(10), new Bytes(20), new Bytes(30)};
        for (Bytes body : bodies) {
            queueBytes.acquire(body.length());
            sender.add(new MpjPeerSender.Outbound(FRAME_TAG, body, body.length()));
        }
        allQueued.countDown();
        assertTrue(twoStarted.await(10, TimeUnit.SECONDS), "the second send did not start while the first was open");
        Thread.sleep(200);   // a third start now would break the window of 2 (checked below)
        assertEquals(List.of(10, 20), started, "sends started with a window of 2 while none completed");
        assertTrue(sender.stalledNs(System.nanoTime() + TimeUnit.SECONDS.toNanos(5)) >= TimeUnit.SECONDS.toNanos(5));
        assertEquals(10, sender.sendingBytes(), "the oldest send in flight");
        assertEquals(40, queueBytes.availablePermits(), "permits freed before their send completed");

        done.get(0).countDown();   // the oldest completes: the third may start, the first's bytes are freed
        assertTrue(awaitPermits(queueBytes, 50), "the first send's permits were not freed");
        assertEquals(1, bodies[0].releases.get());
        assertEquals(0, bodies[1].releases.get(), "a send in flight was released");
        done.get(1).countDown();
        done.get(2).countDown();
        sender.stop();
        assertTrue(sender.join(System.nanoTime() + TimeUnit.SECONDS.toNanos(10)), "the sender did not end");
        assertEquals(List.of(10, 20, 30), started);
        assertEquals(List.of(10, 20, 30), completed, "sends completed out of order");
        assertEquals(100, queueBytes.availablePermits());
        for (Bytes body : bodies) {
            assertEquals(1, body.releases.get(), "a body was not released exactly once");
        }
        assertEquals(0, sender.stalledNs(System.nanoTime()));
        assertEquals(List.of(), failures);
    }

    private static boolean awaitPermits(Semaphore permits, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (permits.availablePermits() != expected) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }
}
