package org.bind.dag;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BooleanSupplier;

import org.bind.transport.Frames;
import org.bind.transport.MalformedFrameException;
import org.bind.transport.Transport;

/**
 * Finds a sync that can never end because ranks wait for each other: a rank skipped an op call every rank records,
 * so two ranks each wait in {@code sync()} for data the other makes only after its own wait, and neither sends its
 * {@code SYNC}. A rank at sync that is idle (its scheduler has nothing queued or running) sends every peer an
 * {@code IDLE} report: the epoch, a sequence number, and how many {@code DATA}/{@code LOST} frames it has sent to
 * and received from each rank (cumulative over the job). It sends a new one whenever those counts change while it
 * is idle at sync; a rank that has quiesced (about to send {@code SYNC}) reports once more, and again on each frame
 * it receives afterwards.
 *
 * <p>The conclusion: this rank is idle now, every peer's latest report is of this epoch, and the counts match
 * pairwise (what i sent to j is what j received from i, this rank's own counts taken now). It is sound: an idle
 * rank can only become busy by receiving a frame beyond its reported count, and that frame was sent beyond the
 * sender's reported count, so the sender was busy after its own report, which needs an earlier such receive; the
 * first one cannot exist. So no report in a matching set is stale, nothing is in transit and nothing can run.
 * Counts are taken twice around the idle check and used only when equal; a received frame is counted after it is
 * handled (the work it makes ready is queued first), a sent frame before it is sent: every race shows as a count
 * mismatch, which cancels the conclusion, never as a false one.
 *
 * <p>Sends through {@link #counting}: workers and the transport's thread. {@code on*} else, and
 * {@link #receiveInline}: the transport's thread.
 * {@link #stuck}, {@link #onQuiesced}: the program thread.
 */
final class IdleReports {
    private final int rank;
    private final int size;
    private final long jobId;
    private final Transport transport;
    private final AtomicLongArray sentTo;
    private final AtomicLongArray receivedFrom;
    /** Each peer's latest report (epoch, counts), or null. Guarded by this. */
    private final long[] reportEpoch;
    private final long[] reportSequence;
    private final long[][] reported;
    /** What this rank last reported, and of which epoch (-1: nothing yet). Guarded by this. */
    private long[] lastSent;
    private long lastSentEpoch = -1;
    private long sequence;
    /** The epoch this rank has quiesced for and waits for {@code SYNC}s of, -1 while it quiesces or runs. */
    private volatile long quiescedEpoch = -1;
    /** Frames being handled on the transport's receiving thread ({@link #receiveInline}). */
    private final AtomicInteger inlineReceives = new AtomicInteger();

    IdleReports(Transport transport, long jobId) {
        this.rank = transport.rank();
        this.size = transport.size();
        this.jobId = jobId;
        this.transport = transport;
        this.sentTo = new AtomicLongArray(size);
        this.receivedFrom = new AtomicLongArray(size);
        this.reportEpoch = new long[size];
        Arrays.fill(reportEpoch, -1);
        this.reportSequence = new long[size];
        this.reported = new long[size][];
    }

    /** The transport that {@link Exchange} sends through: it counts each frame before it is sent. */
    Transport counting() {
        return new Transport() {
            @Override
            public int rank() {
                return rank;
            }

            @Override
            public int size() {
                return size;
            }

            @Override
            public void start(Receiver receiver) {
                throw new IllegalStateException("the exchange's view of the transport only sends");
            }

            @Override
            public void send(int toRank, ByteBuffer frame) {
                sentTo.incrementAndGet(toRank);
                transport.send(toRank, frame);
            }

            @Override
            public void send(int toRank, ByteBuffer header, ByteBuffer payload) {
                sentTo.incrementAndGet(toRank);
                transport.send(toRank, header, payload);
            }

            @Override
            public void send(int toRank, ByteBuffer header, Payload payload) {
                sentTo.incrementAndGet(toRank);
                transport.send(toRank, header, payload); // the transport's own way: Aeron writes it in place
            }

            @Override
            public void refuse(int peer) {
                transport.refuse(peer);
            }

            @Override
            public void close() {
                throw new IllegalStateException("the exchange's view of the transport only sends");
            }
        };
    }

    /** A {@code DATA} or {@code LOST} frame from {@code peer} has been handled (whatever became of it). */
    void onReceived(int peer) {
        receivedFrom.incrementAndGet(peer);
        long quiesced = quiescedEpoch;
        if (quiesced >= 0) {
            report(quiesced, counts()); // a quiesced rank is idle: it has no op left to make ready
        }
    }

    /** A peer's {@code IDLE} report, of {@code epoch} (the one {@code currentEpoch} syncs, or the next). */
    synchronized void onReport(int from, long epoch, long currentEpoch, ByteBuffer payload) {
        if (epoch == currentEpoch - 1) {
            return; // a quiesced peer reports each frame it receives, also after its SYNC: this one came after it
        }
        if (epoch < currentEpoch || epoch > currentEpoch + 1) {
            throw new MalformedFrameException("IDLE from rank " + from + " is of epoch " + epoch
                + ", but this rank syncs epoch " + currentEpoch + " (it and the next are accepted, the last ignored)");
        }
        long[] counts = decode(from, payload, size);
        long number = payload.duplicate().order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (epoch > reportEpoch[from] || number > reportSequence[from]) {
            reportEpoch[from] = epoch;
            reportSequence[from] = number;
            reported[from] = counts;
        }
    }

    /**
     * Handles a frame from {@code peer} on the transport's receiving thread ({@code land}, which returns whether it
     * handled it) and counts it as received, unless this rank has quiesced: a quiesced rank reports each frame it
     * receives, and a report is a send, which the receiving thread must not make. False, with nothing run or
     * counted, when quiesced or when {@code land} declined: the frame is then handled and counted as usual
     * ({@link #onReceived}). {@link #onQuiesced} waits for a call in progress, so that either its report counts the
     * frame or the call sees the rank quiesced (both sides write, then read: sequentially consistent). The
     * transport's receiving thread.
     */
    boolean receiveInline(int peer, BooleanSupplier land) {
        inlineReceives.incrementAndGet();
        try {
            if (quiescedEpoch >= 0 || !land.getAsBoolean()) {
                return false;
            }
            receivedFrom.incrementAndGet(peer); // after the work it made ready is queued
            return true;
        } finally {
            inlineReceives.decrementAndGet();
        }
    }

    /**
     * This rank has quiesced for {@code epoch} and is about to send its {@code SYNC}: reports, and keeps reporting.
     * Waits (briefly: it never blocks) for a frame being handled on the receiving thread ({@link #receiveInline}).
     */
    void onQuiesced(long epoch) {
        quiescedEpoch = epoch;
        while (inlineReceives.get() != 0) {
            Thread.onSpinWait();
        }
        report(epoch, counts());
    }

    /** The sync of the quiesced epoch is over. */
    void onSynced() {
        quiescedEpoch = -1;
    }

    /**
     * Whether the job is stuck in the sync of {@code epoch}: see the class comment. Reports this rank's counts
     * first when it is idle and they changed. Program thread, while quiescing.
     */
    boolean stuck(long epoch, BooleanSupplier idle) {
        long[] before = counts();
        if (!idle.getAsBoolean()) {
            return false;
        }
        long[] now = counts();
        if (!Arrays.equals(before, now)) {
            return false;
        }
        report(epoch, now);
        synchronized (this) {
            for (int r = 0; r < size; r++) {
                if (r != rank && (reportEpoch[r] != epoch || reported[r] == null)) {
                    return false;
                }
            }
            for (int i = 0; i < size; i++) {
                long[] of = i == rank ? now : reported[i];
                for (int j = 0; j < size; j++) {
                    long[] to = j == rank ? now : reported[j];
                    if (i != j && of[j] != to[size + i]) {
                        return false; // what i sent j is not (yet) what j received from i
                    }
                }
            }
            return true;
        }
    }

    /** This rank's counts: sent to each rank, then received from each rank. */
    private long[] counts() {
        long[] counts = new long[2 * size];
        for (int r = 0; r < size; r++) {
            counts[r] = sentTo.get(r);
            counts[size + r] = receivedFrom.get(r);
        }
        return counts;
    }

    /**
     * Sends {@code counts} as this rank's report of {@code epoch} unless it already did. Sent outside the monitor
     * (a send may wait for the transport's thread, which takes it); peers keep the highest sequence. Errors sending
     * are ignored.
     */
    private void report(long epoch, long[] counts) {
        long number;
        synchronized (this) {
            if (epoch == lastSentEpoch && Arrays.equals(counts, lastSent)) {
                return;
            }
            lastSentEpoch = epoch;
            lastSent = counts;
            number = ++sequence;
        }
        ByteBuffer payload = encode(number, counts);
        for (int r = 0; r < size; r++) {
            if (r == rank) {
                continue;
            }
            try {
                ByteBuffer frame = Frames.allocate(Frames.IDLE, jobId, epoch, rank, -1, 0, 0, 1, payload.remaining(),
                    payload.remaining());
                frame.put(Frames.HEADER_BYTES, payload, 0, payload.remaining());
                frame.position(0);
                transport.send(r, frame);
            } catch (RuntimeException e) {
                // a peer that cannot be reached is reported by the transport; without its report nothing concludes
            }
        }
    }

    /** Payload: long sequence (from 1), then {@code 2 * size} longs (sent to each rank, received from each rank). */
    static ByteBuffer encode(long sequence, long[] counts) {
        ByteBuffer payload = ByteBuffer.allocate(8 + 8 * counts.length).order(ByteOrder.LITTLE_ENDIAN);
        payload.putLong(sequence);
        for (long count : counts) {
            payload.putLong(count);
        }
        return payload.flip();
    }

    /** The counts of a report from {@code from}; checks length and values. */
    static long[] decode(int from, ByteBuffer payload, int size) {
        ByteBuffer in = payload.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long expected = 8 + 16L * size;
        if (in.remaining() != expected) {
            throw new MalformedFrameException("IDLE from rank " + from + " has " + in.remaining() + " bytes, expected "
                + expected + " for " + size + " ranks");
        }
        long sequence = in.getLong();
        if (sequence < 1) {
            throw new MalformedFrameException("IDLE from rank " + from + " has sequence " + sequence);
        }
        long[] counts = new long[2 * size];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = in.getLong();
            if (counts[i] < 0) {
                throw new MalformedFrameException("IDLE from rank " + from + " has a negative count " + counts[i]);
            }
        }
        return counts;
    }
}
