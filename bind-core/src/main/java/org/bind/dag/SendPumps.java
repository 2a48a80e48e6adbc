package org.bind.dag;

import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Who sends what, and when: every version this rank sends to a child is a {@link Stream} of chunks, queued for that
 * child. The streams of one child are sent by one pump, round-robin, one chunk per turn; each child with streams
 * has its pump on a sending thread of its own ({@code bind-send-<rank>-<n>}).
 *
 * <ul>
 * <li>Fairness: a small version queued behind a large one to the same child waits for at most one chunk of it, not
 * for all of it; a child that reads slowly (back-pressure blocks its pump's send) delays nothing sent to the other
 * children.</li>
 * <li>Trees: a version sent to two children goes to both at once, chunk by chunk, so both start relaying and
 * reading at once, instead of the second child waiting for the whole version to reach the first.</li>
 * <li>Workers: a send no longer occupies a worker for the whole version (the workers run ops meanwhile).</li>
 * </ul>
 *
 * <p>Sending threads are made as pumps start and end after {@value #LINGER_MS} ms without a pump to run, so an idle
 * rank keeps none; at most one per child runs at a time. {@link #add}: any thread; a stream's {@link Stream#sendNext}
 * runs on its child's pump only, one call at a time.
 */
final class SendPumps implements AutoCloseable {
    /** How long an idle sending thread waits for another pump before it ends. */
    static final long LINGER_MS = 1_000;

    /** Chunks of one version to one child, sent one per turn. */
    interface Stream {
        /**
         * Sends the next chunk; true when the stream is over (its last chunk sent, or it failed: the stream reports
         * and releases what it held itself). Never throws.
         */
        boolean sendNext();
    }

    private final Pump[] pumps;
    private final ThreadPoolExecutor threads;
    /** Streams added and not over: while any, this rank is not idle (frames are still to be sent). */
    private final AtomicInteger streams = new AtomicInteger();

    /** Pumps for the {@code size} ranks of a job, seen from {@code rank} (for thread names). */
    SendPumps(int rank, int size) {
        this.pumps = new Pump[size];
        for (int r = 0; r < size; r++) {
            pumps[r] = new Pump(streams);
        }
        AtomicInteger made = new AtomicInteger();
        // unbounded: at most one pump per child runs, but a thread that just ended its pump may not take the next yet
        this.threads = new ThreadPoolExecutor(0, Integer.MAX_VALUE, LINGER_MS, TimeUnit.MILLISECONDS,
            new SynchronousQueue<>(), task -> {
                Thread thread = new Thread(task, "bind-send-" + rank + "-" + made.getAndIncrement());
                thread.setDaemon(true);
                return thread;
            });
    }

    /** Queues {@code stream} behind the streams to {@code child}; starts its pump when it was idle. Any thread. */
    void add(int child, Stream stream) {
        streams.incrementAndGet(); // before it can be seen idle: counted while queued
        Pump pump = pumps[child];
        if (pump.add(stream)) {
            try {
                threads.execute(pump);
            } catch (RejectedExecutionException closed) {
                pump.run(); // closed: the streams still end (they fail on the closed transport) and release holds
            }
        }
    }

    /**
     * Whether no stream is queued or being sent: every frame of the versions added so far has been handed to the
     * transport. Any thread.
     */
    boolean idle() {
        return streams.get() == 0;
    }

    /** Lets running pumps finish; their threads end. Any thread. */
    @Override
    public void close() {
        threads.shutdown();
    }

    /** The streams to one child, and whether a thread runs them. */
    private static final class Pump implements Runnable {
        private final ArrayDeque<Stream> queue = new ArrayDeque<>();
        private final AtomicInteger streams;
        private boolean running;

        Pump(AtomicInteger streams) {
            this.streams = streams;
        }

        /** Queues {@code stream}; true when the caller must start this pump. */
        synchronized boolean add(Stream stream) {
            queue.addLast(stream);
            if (running) {
                return false;
            }
            running = true;
            return true;
        }

        @Override
        public void run() {
            while (true) {
                Stream stream;
                synchronized (this) {
                    stream = queue.pollFirst();
                    if (stream == null) {
                        running = false;
                        return;
                    }
                }
                if (stream.sendNext()) {
                    streams.decrementAndGet(); // after its last frame was handed to the transport
                } else {
                    synchronized (this) {
                        queue.addLast(stream); // behind the others: round-robin, a chunk per turn
                    }
                }
            }
        }
    }
}
