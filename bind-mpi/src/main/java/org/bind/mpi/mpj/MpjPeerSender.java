package org.bind.mpi.mpj;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The frames of one rank for one peer: a queue and the thread that sends them, in order. The thread starts up to
 * {@code window} sends before it waits for the oldest to complete, so that the peer's device sees the next
 * message announced while the current one moves (MPJ's niodev sends a message over its eager limit only after the
 * receiver answered its announcement: one send at a time would leave the connection idle for a round trip per
 * message).
 *
 * <p>One thread per peer, so that a peer that stops reading (frozen, or its host gone) blocks only the sends to
 * itself: the watchdog sees {@link #stalledNs} grow and reports the peer lost, {@link #drop} then frees the queue's
 * bytes, and the thread is left waiting for its sends (a daemon; MPJ's sends cannot be cancelled). The messages in
 * flight keep their bytes and queue permits until they complete: at most {@code window} messages.
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

    /** A send that was started: waiting for it to complete may block. */
    interface Pending {
        void await() throws Exception;
    }

    /**
     * What the thread does with each message: {@code start} begins sending it and returns what completes the send,
     * or null when it completed already; either may block. The message's body is released once the send completed or
     * failed.
     */
    interface Sink {
        Pending start(int toRank, Outbound message) throws Exception;

        void onSendFailed(int toRank, Outbound message, Throwable failure);
    }

    private record InFlight(Outbound message, Pending pending) {
    }

    private static final Outbound STOP = new Outbound(-1, EMPTY, 0);

    private final int toRank;
    private final int window;
    private final Semaphore queueBytes;
    private final LinkedBlockingQueue<Outbound> queue = new LinkedBlockingQueue<>();
    /** Sends started and not yet completed, oldest first. The sending thread only. */
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
    private final Thread thread;
    /** Since when the sends in flight have made no progress (the last start on an idle peer or completion), 0 when none are in flight. */
    private volatile long stalledSinceNs;
    private volatile int sendingBytes;

    /**
     * Starts the sending thread in {@code group} (MPJ's multicore device tells ranks apart by thread group); at most
     * {@code window} sends are in flight at once.
     */
    MpjPeerSender(ThreadGroup group, String name, int toRank, int window, Sink sink, Semaphore queueBytes) {
        if (window < 1) {
            throw new IllegalArgumentException("send window " + window + " must be positive");
        }
        this.toRank = toRank;
        this.window = window;
        this.queueBytes = queueBytes;
        this.thread = new Thread(group, () -> run(sink), name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Any thread: queues {@code message}, whose permits the caller acquired. */
    void add(Outbound message) {
        queue.add(message);
    }

    /** Any thread: how long the sends in flight have made no progress, 0 when none is in flight. */
    long stalledNs(long nowNs) {
        long since = stalledSinceNs;
        return since == 0 ? 0 : nowNs - since;
    }

    /** The size of the oldest send in flight. */
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
            if (inFlight.size() >= window) {
                completeOldest(sink);
                continue;
            }
            Outbound next;
            try {
                next = inFlight.isEmpty() ? queue.take() : queue.poll();
            } catch (InterruptedException e) {
                return;
            }
            if (next == null) {
                completeOldest(sink);   // nothing more to announce: wait for what is in flight
            } else if (next == STOP) {
                while (!inFlight.isEmpty()) {
                    completeOldest(sink);
                }
                return;
            } else {
                start(sink, next);
            }
        }
    }

    private void start(Sink sink, Outbound message) {
        if (inFlight.isEmpty()) {
            sendingBytes = message.body().length();
            stalledSinceNs = System.nanoTime();
        }
        Pending pending;
        try {
            pending = sink.start(toRank, message);
        } catch (Throwable t) {
            sink.onSendFailed(toRank, message, t);
            pending = null;
        }
        if (pending == null) {
            finish(message);
        } else {
            inFlight.add(new InFlight(message, pending));
        }
    }

    private void completeOldest(Sink sink) {
        InFlight oldest = inFlight.poll();
        try {
            oldest.pending().await();
        } catch (Throwable t) {
            sink.onSendFailed(toRank, oldest.message(), t);
        } finally {
            finish(oldest.message());
        }
    }

    /** {@code message} completed or failed: its bytes and permits are freed, and the next in flight is watched. */
    private void finish(Outbound message) {
        InFlight next = inFlight.peek();
        if (next == null) {
            stalledSinceNs = 0;
        } else {
            sendingBytes = next.message().body().length();
            stalledSinceNs = System.nanoTime();
        }
        message.body().release();
        queueBytes.release(message.permits());
    }
}
