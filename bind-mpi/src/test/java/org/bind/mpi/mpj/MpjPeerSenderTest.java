package org.bind.mpi.mpj;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A peer's sender whose send blocks (a peer that stopped reading), without MPJ: a sink that waits for a latch. Every
 * wait is bounded, so a failure reports itself instead of hanging.
 */
class MpjPeerSenderTest {
    /** MpjTransport.FRAME_TAG (MpjTransport is compiled only where MPJ Express is installed). */
    private static final int FRAME_TAG = 1;

    @Test
    @Timeout(20)
    void shouldShowAStalledSendAndFreeTheQueuedBytesWhenThePeerIsDropped() throws Exception {
        Semaphore queueBytes = new Semaphore(100);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch unblock = new CountDownLatch(1);
        List<Integer> sent = new CopyOnWriteArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        MpjPeerSender sender = new MpjPeerSender(Thread.currentThread().getThreadGroup(), "test-sender", 1,
            new MpjPeerSender.Sink() {
                @Override
                public void send(int toRank, MpjPeerSender.Outbound message) throws Exception {
                    entered.countDown();
                    unblock.await();
                    sent.add(message.bytes().length);
                }

                @Override
                public void onSendFailed(int toRank, MpjPeerSender.Outbound message, Throwable failure) {
                    failures.add(failure);
                }
            }, queueBytes);
        assertEquals(0, sender.stalledNs(System.nanoTime()), "no send in progress yet");
        queueBytes.acquire(10);
        sender.add(new MpjPeerSender.Outbound(FRAME_TAG, new byte[10], 10));
        queueBytes.acquire(30);
        sender.add(new MpjPeerSender.Outbound(FRAME_TAG, new byte[30], 30));
        assertTrue(entered.await(10, TimeUnit.SECONDS), "the first send did not start");
        long later = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        assertTrue(sender.stalledNs(later) >= TimeUnit.SECONDS.toNanos(5), "the blocked send is not seen as stalled");
        assertEquals(10, sender.sendingBytes());
        assertEquals(60, queueBytes.availablePermits());

        sender.drop();   // the peer is lost: what waits behind the blocked send is dropped, its bytes freed
        assertEquals(90, queueBytes.availablePermits());
        unblock.countDown();
        sender.stop();
        assertTrue(sender.join(System.nanoTime() + TimeUnit.SECONDS.toNanos(10)), "the sender did not end");
        assertEquals(100, queueBytes.availablePermits(), "the bytes of the send in progress were not freed");
        assertEquals(List.of(10), sent, "a dropped message was sent");
        assertEquals(0, sender.stalledNs(System.nanoTime()));
        assertEquals(List.of(), failures);
    }
}
