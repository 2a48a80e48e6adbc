package org.bind.mpi.aeron;

import static org.bind.mpi.TransportContractTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.bind.transport.Transport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A landed frame is finished on the polling thread only when nothing waits for delivery, and otherwise queued in
 * arrival order behind what waits; once the queue drains, landed frames are finished on the polling thread again.
 * The oracle is the order in which the frames were added: every frame is handled once, in that order. Every wait is
 * bounded and dumps every thread's stack when it times out.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DeliveriesTest {
    /** What was handled, in order: "frame:<first byte>", "now:<id>" (on the polling thread), "landed:<id>". */
    private final List<String> handled = new CopyOnWriteArrayList<>();

    /** A landing that finishes where it is offered when {@code acceptsNow}. */
    private Transport.Landing landing(String id, boolean acceptsNow) {
        return new Transport.Landing() {
            @Override
            public void put(ByteBuffer bytes) {
            }

            @Override
            public boolean tryLandNow() {
                if (acceptsNow) {
                    handled.add("now:" + id);
                }
                return acceptsNow;
            }

            @Override
            public void onLanded() {
                handled.add("landed:" + id);
            }
        };
    }

    /** A receiver that records frames, the first of which waits for {@code release} once {@code entered}. */
    private Transport.Receiver receiver(CountDownLatch entered, CountDownLatch release) {
        return new Transport.Receiver() {
            @Override
            public void onFrame(int fromRank, ByteBuffer frame) {
                handled.add("frame:" + frame.get(0));
                entered.countDown();
                try {
                    assertTrue(release.await(20, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public void onPeerLost(int rank, String reason) {
                handled.add("lost:" + rank);
            }

            @Override
            public void onPeerClosed(int rank) {
                handled.add("closed:" + rank);
            }
        };
    }

    @Test
    void shouldFinishALandedFrameOnThePollingThreadOnlyWhenNothingWaitsForDelivery() throws Exception {
        Deliveries deliveries = new Deliveries();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicLong errors = new AtomicLong();
        Thread delivering = new Thread(() -> deliveries.run(receiver(entered, release), 0, errors), "delivering");
        delivering.start();

        assertTrue(deliveries.landed(1, landing("a", true)));
        assertEquals(List.of("now:a"), handled, "nothing waits: finished where it landed, never delivered");

        assertTrue(deliveries.frame(1, new byte[] {7}));
        await("the frame's delivery", 20_000, () -> entered.getCount() == 0); // being delivered, and it waits
        assertTrue(deliveries.landed(1, landing("b", true)));
        assertTrue(deliveries.landed(1, landing("c", false)));
        assertEquals(List.of("now:a", "frame:7"), handled, "behind a frame being delivered: queued, not finished");
        release.countDown();

        deliveries.closed(1);
        await("everything queued delivered", 20_000, deliveries::idle);
        assertTrue(deliveries.landed(1, landing("d", true)));
        assertEquals(List.of("now:a", "frame:7", "landed:b", "landed:c", "closed:1", "now:d"), handled);
        assertEquals(2, deliveries.landedNow());

        deliveries.refuse(1);
        assertFalse(deliveries.landed(1, landing("e", true)), "a refused peer's frame is dropped");
        deliveries.stop();
        delivering.join(20_000);
        assertFalse(delivering.isAlive());
        assertEquals(List.of("now:a", "frame:7", "landed:b", "landed:c", "closed:1", "now:d"), handled);
        assertEquals(0, errors.get());
    }
}
