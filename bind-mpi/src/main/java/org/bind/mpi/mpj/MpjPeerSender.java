package org.bind.mpi.mpj;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The frames of one rank for one peer: a queue and the thread that sends them, in order, with blocking MPJ sends.
 * One thread per peer, so that a peer that stops reading (frozen, or its host gone) blocks only the sends to itself:
 * the watchdog sees {@link #stalledNs} grow and reports the peer lost, {@link #drop} then frees the queue's bytes, and
 * the thread is left in its send (a daemon; MPJ's blocking send cannot be cancelled).
 */
final class MpjPeerSender {
    /** A message's bytes, held until sent or dropped. */
    interface Body {
        /** How many bytes. */
        int length();

        /** The message is dropped (or was sent): frees what holds its bytes. Idempotent. */
        void release();
    }

    /** The body of heartbeats and goodbyes. */
    static final Body EMPTY = new Body() {
        @Override
        public int length() {
            return 0;
        }

        @Override
        public void release() {
        }
    };

    /** A message to send: its MPJ tag, its bytes and the queue permits it holds. */
    record Outbound(int tag, Body body, int permits) {
    }

    /** What the thread does with each message; {@code send} may block. The message's body is released after. */
    interface Sink {
        void send(int toRank, Outbound message) throws Exception;

        void onSendFailed(int toRank, Outbound message, Throwable failure);
    }

    private static final Outbound STOP = new Outbound(-1, EMPTY, 0);

    private final int toRank;
    private final Semaphore queueBytes;
    private final LinkedBlockingQueue<Outbound> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    /** When the send in progress began, 0 when none is. */
    private volatile long sendingSinceNs;
    private volatile int sendingBytes;

    /** Starts the sending thread in {@code group} (MPJ's multicore device tells ranks apart by thread group). */
    MpjPeerSender(ThreadGroup group, String name, int toRank, Sink sink, Semaphore queueBytes) {
        this.toRank = toRank;
        this.queueBytes = queueBytes;
        this.thread = new Thread(group, () -> run(sink), name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Any thread: queues {@code message}, whose permits the caller acquired. */
    void add(Outbound message) {
        queue.add(message);
    }

    /** Any thread: how long the send in progress has been blocked, 0 when none is. */
    long stalledNs(long nowNs) {
        long since = sendingSinceNs;
        return since == 0 ? 0 : nowNs - since;
    }

    /** The size of the send in progress. */
    int sendingBytes() {
        return sendingBytes;
    }

    /** Any thread: drops every queued message (the peer is lost), releasing their bytes and permits. */
    void drop() {
        List<Outbound> dropped = new ArrayList<>();
        queue.drainTo(dropped);
        for (Outbound message : dropped) {
            if (message == STOP) {
                queue.add(STOP);
            }
            message.body().release();
            queueBytes.release(message.permits());
        }
    }

    /** Any thread: the thread ends once the messages queued before this went out. */
    void stop() {
        queue.add(STOP);
    }

    /** Waits until the thread ended or {@code deadlineNs}; true when it ended. */
    boolean join(long deadlineNs) {
        try {
            TimeUnit.NANOSECONDS.timedJoin(thread, Math.max(deadlineNs - System.nanoTime(), 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }

    private void run(Sink sink) {
        while (true) {
            Outbound next;
            try {
                next = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (next == STOP) {
                return;
            }
            try {
                sendingBytes = next.body().length();
                sendingSinceNs = System.nanoTime();
                sink.send(toRank, next);
            } catch (Throwable t) {
                sink.onSendFailed(toRank, next, t);
            } finally {
                sendingSinceNs = 0;
                next.body().release();
                queueBytes.release(next.permits());
            }
        }
    }
}
