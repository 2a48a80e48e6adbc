package org.bind.multi;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.bind.Bind;
import org.bind.In;
import org.bind.IntArray;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;
import org.bind.transport.Transport;
import org.bind.transport.inproc.InProcTransport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Rank 2 of 3 stops (frozen: it never sends what the others wait for) while rank 0 or 1 reads a value that needs
 * rank 2's data ({@code toArray()}) and the other waits in {@code sync()}; the transport then reports rank 2 lost to
 * one survivor, the other, or both, in either order. Whatever the order, each survivor's error names the lost
 * rank: "rank 2 lost", also when it learns of the loss from the survivor that saw it first (that one gives up on
 * the job and says why) and when its read is what fails, not a sync.
 */
@ExtendWith(DumpThreadsOnTimeout.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@SuppressWarnings("try") // scopes are opened for their effect on placement, not referenced
class LossReportTest {
    private static final int N = 64;
    private static final long WAIT_S = 30;
    private static final String REASON = "no heartbeat for 2000 ms";

    static final class Ops {
        @Op
        static void fill(@Out IntArray a, int value) {
            java.util.Arrays.fill(a.data(), value);
        }

        @Op
        static void copy(@In IntArray a, @Out IntArray b) {
            System.arraycopy(a.data(), 0, b.data(), 0, b.data().length);
        }
    }

    @Test
    void shouldNameTheLostRankOnTheReaderWhenOnlyTheRankInSyncIsToldOfTheLoss() throws Exception {
        job(0, false, true);
        job(1, false, true);
    }

    @Test
    void shouldNameTheLostRankOnTheRankInSyncWhenOnlyTheReaderIsToldOfTheLoss() throws Exception {
        job(0, true, false);
        job(1, true, false);
    }

    @Test
    void shouldNameTheLostRankOnBothWhenBothAreToldOfTheLoss() throws Exception {
        job(0, true, true);
        job(1, true, true);
    }

    /**
     * Runs the job: {@code reader} reads, the other survivor syncs; once both wait, the loss of rank 2 is reported to
     * the reader ({@code toReader}) and to the other ({@code toSyncer}). Checks that each survivor fails naming rank 2.
     */
    private static void job(int reader, boolean toReader, boolean toSyncer) throws Exception {
        InProcTransport[] ends = InProcTransport.create(3);
        LossInjecting[] survivors = {new LossInjecting(ends[0]), new LossInjecting(ends[1])};
        long jobId = ThreadLocalRandom.current().nextLong() | 1;
        CountDownLatch frozen = new CountDownLatch(1);
        CountDownLatch thaw = new CountDownLatch(1);
        Throwable[] failed = new Throwable[3];
        Thread[] threads = new Thread[3];
        for (int r = 0; r < 3; r++) {
            int rank = r;
            Transport transport = rank < 2 ? survivors[rank] : ends[2];
            threads[r] = new Thread(() -> {
                try (Bind bind = Bind.init(new Bind.Context().transport(transport).jobId(jobId).workers(2))) {
                    IntArray a = IntArray.of(N);
                    IntArray b = IntArray.of(N);
                    bind.sync();
                    if (rank == 2) {
                        frozen.countDown();
                        thaw.await();   // as if stopped: it submits nothing, sends nothing
                        return;
                    }
                    try (Scope s = bind.on(2)) {
                        Ops.fill(a, 7);
                    }
                    try (Scope s = bind.on(reader)) {
                        Ops.copy(a, b);
                    }
                    if (rank == reader) {
                        b.toArray();
                    } else {
                        bind.sync();
                    }
                    failed[rank] = new AssertionError("rank " + rank + " did not fail");
                } catch (Throwable t) {
                    failed[rank] = t;
                }
            }, "loss-report-rank-" + r);
            threads[r].start();
        }
        try {
            assertTrue(frozen.await(WAIT_S, TimeUnit.SECONDS), "rank 2 did not reach its freeze");
            int syncer = 1 - reader;
            awaitIn(threads[reader], "awaitReadable");
            awaitIn(threads[syncer], "EpochSync.exchange");
            if (toSyncer) {
                survivors[syncer].reportLost(2, REASON);
            }
            if (toReader) {
                survivors[reader].reportLost(2, REASON);
            }
            for (int r = 0; r < 2; r++) {
                threads[r].join(TimeUnit.SECONDS.toMillis(WAIT_S));
                assertTrue(!threads[r].isAlive(), "rank " + r + " still waits");
            }
            String order = "reader " + reader + ", told: " + (toReader ? "reader " : "") + (toSyncer ? "syncer" : "");
            for (int r = 0; r < 2; r++) {
                int rank = r;
                Throwable error = failed[r];
                assertNotNull(error, order);
                assertTrue(String.valueOf(error.getMessage()).contains("rank 2 lost: " + REASON), () -> order
                    + ": rank " + rank + " failed with " + error);
            }
        } finally {
            thaw.countDown();
            for (Thread thread : threads) {
                thread.join(TimeUnit.SECONDS.toMillis(WAIT_S));
            }
        }
    }

    /** Waits until {@code thread}'s stack shows {@code frame} (it is waiting there). */
    private static void awaitIn(Thread thread, String frame) throws InterruptedException {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (System.nanoTime() < deadlineNs) {
            for (StackTraceElement e : thread.getStackTrace()) {
                if ((e.getClassName() + "." + e.getMethodName()).endsWith(frame)) {
                    return;
                }
            }
            Thread.sleep(5);
        }
        throw new AssertionError(thread.getName() + " never waited in " + frame);
    }

    /**
     * A rank's in-JVM end through which the test reports a peer lost, as a transport's heartbeat would; the
     * runtime's receiver is called by one thread at a time, as a transport's delivery thread does.
     */
    private static final class LossInjecting implements Transport {
        private final InProcTransport end;
        private volatile Receiver receiver;

        LossInjecting(InProcTransport end) {
            this.end = end;
        }

        synchronized void reportLost(int peer, String reason) {
            receiver.onPeerLost(peer, reason);
        }

        @Override
        public int rank() {
            return end.rank();
        }

        @Override
        public int size() {
            return end.size();
        }

        @Override
        public void start(Receiver runtime) {
            receiver = runtime;
            end.start(new Receiver() {
                @Override
                public void onFrame(int fromRank, ByteBuffer frame) {
                    synchronized (LossInjecting.this) {
                        runtime.onFrame(fromRank, frame);
                    }
                }

                @Override
                public void onPeerLost(int peer, String reason) {
                    synchronized (LossInjecting.this) {
                        runtime.onPeerLost(peer, reason);
                    }
                }

                @Override
                public void onPeerClosed(int peer) {
                    synchronized (LossInjecting.this) {
                        runtime.onPeerClosed(peer);
                    }
                }
            });
        }

        @Override
        public void send(int toRank, ByteBuffer frame) {
            end.send(toRank, frame);
        }

        @Override
        public void refuse(int peer) {
            end.refuse(peer);
        }

        @Override
        public void close() {
            end.close();
        }
    }
}
