package org.bind.dag;

import java.nio.ByteBuffer;
import java.util.function.LongSupplier;

import org.bind.transport.Frames;
import org.bind.transport.MalformedFrameException;
import org.bind.transport.Messages;
import org.bind.transport.Transport;
import org.bind.version.Failure;

/**
 * This rank's {@link Transport.Receiver}: checks each frame's header (job, lengths) and hands it to its owner:
 * data and lost versions to {@link Exchange} (counted by {@link IdleReports} once handled), {@code SYNC},
 * {@code DETAIL} and failure reports to {@link EpochSync}, {@code IDLE} reports to {@link IdleReports}, news of
 * peers (gave up, lost, closed) to {@link JobHealth}, which then also abandons the receives still expected here.
 * A malformed frame is dropped and counted; so is data from a rank the plan does not name as the version's sender. A
 * peer that sends more data nobody here has asked for yet than {@link UnclaimedBudget} allows is treated as lost,
 * and every frame it sends from then on is dropped and counted.
 *
 * <p>The transport's thread.
 */
final class FrameRouter implements Transport.Receiver {
    private final int rank;
    private final long jobId;
    private final int maxFrameBytes;
    private final Exchange exchange;
    private final EpochSync epochSync;
    private final JobHealth health;
    private final IdleReports idleReports;
    private final LongSupplier epoch;

    FrameRouter(int rank, long jobId, int maxFrameBytes, Exchange exchange, EpochSync epochSync, JobHealth health,
                IdleReports idleReports, LongSupplier epoch) {
        this.rank = rank;
        this.jobId = jobId;
        this.maxFrameBytes = maxFrameBytes;
        this.exchange = exchange;
        this.epochSync = epochSync;
        this.health = health;
        this.idleReports = idleReports;
        this.epoch = epoch;
    }

    @Override
    public void onFrame(int fromRank, ByteBuffer frame) {
        if (exchange.refused(fromRank)) {
            // a refused peer is lost to this rank: none of its frames counts, its SYNC included (a sync that counted
            // it would end as if the job were whole)
            exchange.countDropped();
            return;
        }
        try {
            Frames.Header header = Frames.parse(frame, jobId, maxFrameBytes);
            ByteBuffer payload = Frames.payload(frame);
            switch (header.type()) {
                case Frames.DATA -> {
                    try {
                        exchange.onData(fromRank, header, frame);
                    } finally {
                        idleReports.onReceived(fromRank); // after the work it made ready is queued
                    }
                }
                case Frames.LOST -> {
                    try {
                        exchange.onLost(fromRank, header, Messages.decodeFailure(payload));
                    } finally {
                        idleReports.onReceived(fromRank);
                    }
                }
                case Frames.IDLE -> idleReports.onReport(fromRank, header.epoch(), epochSync.currentEpoch(), payload);
                case Frames.FAILURE -> epochSync.onFailure(fromRank, Messages.decodeFailure(payload));
                case Frames.ABORT -> {
                    String reason = Messages.decodeText(payload);
                    health.onAbort(fromRank, reason);
                    abandonReceives(fromRank, "rank " + fromRank + " gave up on the job: " + reason);
                }
                case Frames.SYNC -> epochSync.onSync(fromRank, header.epoch(), Messages.decodeSync(payload));
                case Frames.DETAIL -> epochSync.onDetail(fromRank, header.epoch(), Messages.decodeDetail(payload));
                default -> throw new MalformedFrameException("unexpected frame type " + header.type());
            }
        } catch (MalformedFrameException e) {
            exchange.countDropped();
            System.err.println("bind: rank " + rank + " dropped a frame from rank " + fromRank + ": " + e.getMessage());
        } catch (UnclaimedBudget.UnclaimedOverrunException e) {
            exchange.countDropped();
            exchange.dropUnclaimedFrom(e.peer());
            System.err.println("bind: rank " + rank + " refuses everything from rank " + e.peer() + ": "
                + e.getMessage());
            onPeerLost(e.peer(), e.getMessage());
        }
    }

    /**
     * A data chunk of a version a reader here waits for lands while it arrives ({@link Exchange#land}); anything
     * else comes whole through {@link #onFrame}. Once landed it is relayed and counted as {@link #onFrame} would.
     * The transport's receiving thread; never waits.
     */
    @Override
    public Transport.Landing onFrameStart(int fromRank, ByteBuffer start, int length) {
        Frames.Header header;
        try {
            header = exchange.refused(fromRank) ? null : Frames.parse(start, length, jobId, maxFrameBytes);
        } catch (MalformedFrameException e) {
            return null; // reported when the frame comes whole
        }
        Transport.Landing chunk = header == null || header.type() != Frames.DATA ? null
            : exchange.land(fromRank, header);
        return chunk == null ? null : new Transport.Landing() {
            @Override
            public void put(ByteBuffer bytes) {
                chunk.put(bytes);
            }

            @Override
            public boolean tryLandNow() {
                return !exchange.refused(fromRank) && idleReports.receiveInline(fromRank, chunk::tryLandNow);
            }

            @Override
            public void onLanded() {
                if (exchange.refused(fromRank)) {
                    exchange.countDropped();
                    return;
                }
                try {
                    chunk.onLanded();
                } finally {
                    idleReports.onReceived(fromRank); // after the work it made ready is queued
                }
            }
        };
    }

    @Override
    public void onPeerLost(int peer, String reason) {
        health.onPeerLost(peer, reason);
        abandonReceives(peer, "rank " + peer + " lost: " + reason);
    }

    /** Never throws: some transports call it from their receiving loop, outside their own handler guard. */
    @Override
    public void onPeerClosed(int peer) {
        try {
            if (health.onPeerClosed(peer)) {
                abandonReceives(peer, "rank " + peer + " closed its transport (ended) before the sync of epoch "
                    + epochSync.currentEpoch());
            }
        } catch (RuntimeException e) {
            System.err.println("bind: rank " + rank + " failed to handle the close of rank " + peer + ": " + e);
        }
    }

    private void abandonReceives(int peer, String why) {
        exchange.abandonReceives(new Failure("receive from rank " + peer, rank, epoch.getAsLong(),
            new PeerGoneException(why)));
    }
}
