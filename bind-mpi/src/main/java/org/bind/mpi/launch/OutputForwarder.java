package org.bind.mpi.launch;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * A rank's standard output or error as a bounded stream that never blocks for long: writers copy their bytes into a
 * queue of at most {@code capacityBytes}; one daemon thread ({@code bind-output-<name>}) writes the queue to the real
 * stream. When the queue is full a writer waits for room as long as the sink makes progress, so a slow reader slows
 * the program down as a pipe would; once the sink has been stuck in one write for {@code stallMs}, nobody is reading,
 * and writes that do not fit are dropped whole and counted at once. When the sink takes output again, the thread
 * writes a line saying how much was lost ({@code bind: rank 1: standard error: 52000 bytes dropped (250 writes): it
 * was not being read}).
 *
 * <p>Why: a rank's output leaves its node through a pipe to whoever started it (an MPJ daemon, {@code slurmstepd}),
 * which forwards it over the network. When that network is lost the forwarder stops reading, the pipe fills (64 KiB)
 * and a plain {@code System.err.println} blocks in the kernel forever, holding the stream's lock: every thread that
 * prints, the one reporting the loss included, then waits behind it and the rank never ends. Here only the writer
 * thread can block in the kernel, it holds no lock anyone else needs, and it is a daemon, so it never keeps the JVM
 * alive; a program thread waits at most {@code stallMs} for a stuck sink, and after that not at all.
 *
 * <p>{@link #write} from any thread; {@link #drain} from any thread.
 */
final class OutputForwarder extends OutputStream {
    /** Largest piece handed to the sink in one write. */
    private static final int MAX_BATCH_BYTES = 64 * 1024;

    private final OutputStream sink;
    private final String label;
    private final long capacityBytes;
    private final long stallNs;
    private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    private long queuedBytes;
    /** A batch taken from the queue and not yet written: the sink may be blocked in it. */
    private boolean writing;
    /** When the sink write of that batch started. */
    private long writeStartNs;
    /** The number of writes in that batch. */
    private int batchWrites;
    private long droppedBytes;
    private long droppedWrites;
    private long reportedBytes;
    private long reportedWrites;
    private boolean sinkFailed;

    /**
     * Starts the writer thread. {@code label} names the stream in the drop notice ("rank 1: standard error");
     * {@code capacityBytes} bounds what waits for the sink; {@code stallMs} is how long one write to the sink may
     * last before the sink counts as stuck (0: never wait for room).
     */
    OutputForwarder(OutputStream sink, String label, long capacityBytes, long stallMs) {
        if (capacityBytes < 1 || stallMs < 0) {
            throw new IllegalArgumentException("output buffer of " + capacityBytes + " bytes, stall " + stallMs
                + " ms, for " + label);
        }
        this.sink = sink;
        this.label = label;
        this.capacityBytes = capacityBytes;
        this.stallNs = TimeUnit.MILLISECONDS.toNanos(stallMs);
        Thread writer = new Thread(this::pump, "bind-output-" + label.replaceAll("[^A-Za-z0-9]+", "-"));
        writer.setDaemon(true);
        writer.start();
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    /**
     * Queues a copy of the bytes; when they do not fit, waits for room while the sink makes progress, and drops them
     * whole once it is stuck (in one write for {@code stallMs}) or has failed (a write larger than the queue goes in
     * pieces). Waits at most {@code stallMs} for a stuck sink. Any thread.
     */
    @Override
    public void write(byte[] bytes, int offset, int count) {
        if (count <= 0) {
            return;
        }
        if (count > capacityBytes) {   // larger than the whole queue: in pieces that each fit
            for (int at = 0; at < count; at += (int) Math.min(capacityBytes, count - at)) {
                write(bytes, offset + at, (int) Math.min(capacityBytes, count - at));
            }
            return;
        }
        synchronized (queue) {
            boolean interrupted = false;
            while (!sinkFailed && queuedBytes + count > capacityBytes) {
                long stuckNs = writing ? System.nanoTime() - writeStartNs : 0;
                if (stuckNs >= stallNs) {
                    break;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(queue, stallNs - stuckNs);
                } catch (InterruptedException e) {
                    interrupted = true;
                    break;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (sinkFailed || queuedBytes + count > capacityBytes) {
                droppedBytes += count;
                droppedWrites++;
                return;
            }
            byte[] copy = new byte[count];
            System.arraycopy(bytes, offset, copy, 0, count);
            queue.addLast(copy);
            queuedBytes += count;
            queue.notifyAll();
        }
    }

    /** Nothing to do: the writer thread writes as soon as it can. */
    @Override
    public void flush() {
    }

    /**
     * Waits up to {@code timeoutMs} for everything queued to reach the sink; false when it did not (the sink is
     * blocked or gone). Any thread.
     */
    boolean drain(long timeoutMs) throws InterruptedException {
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        synchronized (queue) {
            while ((!queue.isEmpty() || writing) && !sinkFailed) {
                long leftNs = deadlineNs - System.nanoTime();
                if (leftNs <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(queue, leftNs);
            }
            return queue.isEmpty();
        }
    }

    /** Bytes dropped so far because the queue was full or the sink had failed. Any thread. */
    long droppedBytes() {
        synchronized (queue) {
            return droppedBytes;
        }
    }

    /** Writes dropped so far. Any thread. */
    long droppedWrites() {
        synchronized (queue) {
            return droppedWrites;
        }
    }

    /** The writer thread: takes what is queued, up to {@link #MAX_BATCH_BYTES} at once, and writes it. */
    private void pump() {
        try {
            while (true) {
                byte[] batch = take();
                try {
                    sink.write(batch);
                    sink.flush();
                    byte[] notice = dropNotice();
                    if (notice != null) {
                        sink.write(notice);
                        sink.flush();
                    }
                } catch (IOException e) {
                    synchronized (queue) {   // nobody reads any more: what follows is dropped at once
                        sinkFailed = true;
                        droppedBytes += queuedBytes + batch.length;
                        droppedWrites += queue.size() + batchWrites;
                        queue.clear();
                        queuedBytes = 0;
                    }
                } finally {
                    synchronized (queue) {
                        writing = false;
                        queue.notifyAll();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private byte[] take() throws InterruptedException {
        synchronized (queue) {
            while (queue.isEmpty()) {
                queue.wait();
            }
            int length = 0;
            for (byte[] piece : queue) {
                if (length > 0 && length + piece.length > MAX_BATCH_BYTES) {
                    break;
                }
                length += piece.length;
            }
            byte[] batch = new byte[length];
            batchWrites = 0;
            for (int at = 0; at < length; ) {
                byte[] piece = queue.pollFirst();
                System.arraycopy(piece, 0, batch, at, piece.length);
                at += piece.length;
                batchWrites++;
            }
            queuedBytes -= length;
            writing = true;
            writeStartNs = System.nanoTime();
            queue.notifyAll();   // room for waiting writers
            return batch;
        }
    }

    /**
     * The line reporting drops since the last notice, or null; none while output queued before the drops is still to
     * be written. Called by the writer thread after a write.
     */
    private byte[] dropNotice() {
        synchronized (queue) {
            if (droppedBytes == reportedBytes || !queue.isEmpty()) {
                return null;
            }
            String text = "bind: " + label + ": " + (droppedBytes - reportedBytes) + " bytes dropped ("
                + (droppedWrites - reportedWrites) + " writes): it was not being read\n";
            reportedBytes = droppedBytes;
            reportedWrites = droppedWrites;
            return text.getBytes(StandardCharsets.UTF_8);
        }
    }
}
