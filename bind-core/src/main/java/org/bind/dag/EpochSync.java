package org.bind.dag;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

import org.bind.BindException;
import org.bind.transport.Frames;
import org.bind.transport.Messages;
import org.bind.transport.Transport;

/**
 * The collective half of {@code sync()} and the control channel. After local quiescence each rank sends
 * {@code SYNC(epoch, ops, hash, failures, checkpoints)} to every other rank and waits for theirs. Equal hashes:
 * the epoch's failures (broadcast as {@code FAILURE} frames when they happened, and counted in {@code SYNC}
 * so none is missed) are ordered by program position and rank, and the first is thrown everywhere. Different
 * hashes: the checkpoints locate the first differing block of {@value OpLog#BLOCK} ops, every rank sends its log
 * of that block ({@code DETAIL}), and every rank throws the same "DAG divergence at op #i" message.
 *
 * <p>Frames are delivered in send order per source, so a peer's {@code FAILURE} and data frames of an epoch are
 * processed before its {@code SYNC}: once every peer's {@code SYNC} is in, nothing more is coming for the epoch.
 *
 * <p>Lost, given-up and closed peers are {@link JobHealth}'s: every wait here checks it.
 *
 * <p>{@code on*}: transport thread. {@link #exchange}: program thread.
 *
 * <p>About 420 lines, kept in one class on purpose: the received {@code SYNC}, {@code DETAIL} and
 * {@code FAILURE} frames, the waits on them and the divergence report that reads them all share one monitor; split,
 * the parts would have to share that lock and the maps it guards through package-private fields, which is what
 * the engine split removed elsewhere.
 */
final class EpochSync {
    private static final long WAIT_MS = 50;
    /** How long a failed send waits for the peer's reason to arrive. */
    private static final long LOSS_NOTICE_WAIT_MS = 2_000;
    /** How long a failed sync waits for the last word of a peer that sent a closing {@code SYNC} ({@link LaunchedMain}). */
    static final long FINAL_WORD_WAIT_MS = 5_000;
    /** After how long a waiting {@code sync()} says on stderr which ranks it waits for (and again as often). */
    public static final String SYNC_WARN_PROP_NAME = "bind.sync.warn.ms";
    public static final long SYNC_WARN_MS_DEFAULT = 60_000;

    private final Transport transport;
    private final int rank;
    private final int size;
    private final long jobId;
    private final Map<Long, Messages.Sync[]> syncs = new HashMap<>();
    private final Map<Long, Messages.Detail[]> details = new HashMap<>();
    private final List<Messages.Failure> remoteFailures = new ArrayList<>();
    /** The latest epoch each peer has sent its {@code SYNC} of; -1 before its first. */
    private final AtomicLongArray lastSynced;
    /** Whether peers are still there; set once, before the transport starts. */
    private JobHealth health;
    /**
     * The epoch this rank syncs next. Peers' control frames must be of it or of the one after (a peer that has
     * synced it may already have sent its next SYNC; none can be further ahead, since that SYNC needs ours first).
     */
    private volatile long currentEpoch;
    private final long warnAfterMs = Math.max(1, Long.getLong(SYNC_WARN_PROP_NAME, SYNC_WARN_MS_DEFAULT));

    EpochSync(Transport transport, long jobId) {
        this.transport = transport;
        this.rank = transport.rank();
        this.size = transport.size();
        this.jobId = jobId;
        this.lastSynced = new AtomicLongArray(size);
        for (int r = 0; r < size; r++) {
            lastSynced.set(r, -1);
        }
    }

    /** Sets where lost peers are recorded and checked. Once, before the transport starts. */
    void watchedBy(JobHealth health) {
        this.health = health;
    }

    /** The epoch this rank syncs next. Any thread. */
    long currentEpoch() {
        return currentEpoch;
    }

    /** The latest epoch {@code peer} has sent its {@code SYNC} of, -1 before its first. Any thread. */
    long lastSynced(int peer) {
        return lastSynced.get(peer);
    }

    /** Wakes a {@code sync()} waiting here, to look at the job's health again. Any thread. */
    synchronized void wake() {
        notifyAll();
    }

    /** Refuses a control frame of an epoch that is over or not yet possible (dropped and counted by the caller). */
    private void checkEpoch(String what, int from, long epoch) {
        if (epoch < currentEpoch || epoch > currentEpoch + 1) {
            throw new org.bind.transport.MalformedFrameException(what + " from rank " + from + " is of epoch " + epoch
                + ", but this rank syncs epoch " + currentEpoch + " (only it and the next are accepted)");
        }
    }

    synchronized void onSync(int from, long epoch, Messages.Sync sync) {
        checkEpoch("SYNC", from, epoch);
        if (sync.opCount() < 0 || sync.failureCount() < 0 || sync.failureCount() > sync.opCount()) {
            // a failure count no epoch can have would make this rank wait for failures that never come
            throw new org.bind.transport.MalformedFrameException("SYNC from rank " + from + " of epoch " + epoch
                + " claims " + sync.failureCount() + " failures for " + sync.opCount() + " ops");
        }
        syncs.computeIfAbsent(epoch, e -> new Messages.Sync[size])[from] = sync;
        lastSynced.accumulateAndGet(from, epoch, Math::max);
        notifyAll();
    }

    synchronized void onDetail(int from, long epoch, Messages.Detail detail) {
        checkEpoch("DETAIL", from, epoch);
        details.computeIfAbsent(epoch, e -> new Messages.Detail[size])[from] = detail;
        notifyAll();
    }

    synchronized void onFailure(int from, Messages.Failure failure) {
        if (failure.rank() != from) {
            throw new org.bind.transport.MalformedFrameException("failure report from rank " + from
                + " names rank " + failure.rank());
        }
        checkEpoch("FAILURE", from, failure.epoch());
        remoteFailures.add(failure);
        notifyAll();
    }

    /** Tells every peer that this rank gives up, and why. Any thread; errors sending are ignored. */
    void broadcastAbort(long epoch, String reason) {
        ByteBuffer payload = Messages.encodeText(reason);
        int length = payload.remaining();
        for (int r = 0; r < size; r++) {
            if (r == rank) {
                continue;
            }
            try {
                ByteBuffer frame = Frames.allocate(Frames.ABORT, jobId, epoch, rank, -1, 0, 0, 1, length, length);
                frame.put(frame.position(), payload, payload.position(), length);
                frame.position(0);
                transport.send(r, frame);
            } catch (RuntimeException e) {
                // a peer that cannot be reached finds out through the transport; the others still hear why
            }
        }
    }

    /** Whether every other rank has sent its SYNC for {@code epoch}. Any thread. */
    synchronized boolean allPeersSynced(long epoch) {
        return fromEveryPeer(syncs.get(epoch));
    }

    /** Whether {@code received} (indexed by rank, may be null) has an entry from every other rank. */
    private boolean fromEveryPeer(Object[] received) {
        if (received == null) {
            return false;
        }
        for (int r = 0; r < size; r++) {
            if (r != rank && received[r] == null) {
                return false;
            }
        }
        return true;
    }

    /** Which peers have not sent SYNC for {@code epoch}, for messages. */
    synchronized List<Integer> peersNotSynced(long epoch) {
        Messages.Sync[] in = syncs.get(epoch);
        List<Integer> missing = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            if (r != rank && (in == null || in[r] == null)) {
                missing.add(r);
            }
        }
        return missing;
    }

    /**
     * Sends this rank's SYNC, waits for every peer's, checks for divergence, and returns the epoch's failures on
     * every rank, first first. Throws {@link BindException} on divergence or a lost peer.
     */
    List<Messages.Failure> exchange(long epoch, OpLog log, List<Messages.Failure> localFailures, boolean closing) {
        try {
            return exchangeOnce(epoch, log, localFailures, closing);
        } catch (BindException e) {
            throw preferThrownMain(epoch, e);
        } finally {
            synchronized (this) {
                currentEpoch = epoch + 1;
                syncs.keySet().removeIf(e -> e < currentEpoch);
                details.keySet().removeIf(e -> e < currentEpoch);
                remoteFailures.removeIf(f -> f.epoch() < currentEpoch);
            }
        }
    }

    private List<Messages.Failure> exchangeOnce(long epoch, OpLog log, List<Messages.Failure> localFailures,
                                                boolean closing) {
        Messages.Sync mine = new Messages.Sync(log.count(), log.hash(), localFailures.size(), log.checkpoints(),
            closing);
        health.checkPeers(epoch); // a lost peer is the error to report, not the failure to send it our SYNC
        broadcastOrExplain(Frames.SYNC, epoch, Messages.encode(mine));
        Messages.Sync[] all;
        synchronized (this) {
            long startNs = System.nanoTime();
            long nextWarningNs = startNs + TimeUnit.MILLISECONDS.toNanos(warnAfterMs);
            while (!allPeersSynced(epoch) || !failuresIn(epoch)) {
                health.checkPeers(epoch);
                waitQuietly();
                long nowNs = System.nanoTime();
                if (nowNs - nextWarningNs > 0) {
                    nextWarningNs = nowNs + TimeUnit.MILLISECONDS.toNanos(warnAfterMs);
                    System.err.println(waitingFor(epoch, TimeUnit.NANOSECONDS.toMillis(nowNs - startNs)));
                }
            }
            all = syncs.remove(epoch);
        }
        all[rank] = mine;
        boolean same = true;
        for (Messages.Sync s : all) {
            same &= s.opCount() == mine.opCount() && s.hash() == mine.hash();
        }
        if (!same) {
            throw preferThrownMain(all, divergence(epoch, all, log));
        }
        List<Messages.Failure> failures = new ArrayList<>(localFailures);
        synchronized (this) {
            remoteFailures.removeIf(f -> {
                if (f.epoch() == epoch) {
                    failures.add(f);
                    return true;
                }
                return false;
            });
        }
        failures.sort(Comparator.comparingLong(Messages.Failure::sequence).thenComparingInt(Messages.Failure::rank));
        return failures;
    }

    /** What a {@code sync()} of {@code epoch} that has waited {@code waitedMs} waits for. Holding the monitor. */
    String waitingFor(long epoch, long waitedMs) {
        List<Integer> missing = peersNotSynced(epoch);
        String what = !missing.isEmpty()
            ? "rank" + (missing.size() > 1 ? "s " : " ") + missing.toString().replaceAll("[\\[\\]]", "")
                + " (no SYNC yet: still running ops, or stuck)"
            : "the failure reports the other ranks announced";
        return "bind: rank " + rank + " has waited " + waitedMs + " ms in sync() of epoch " + epoch + " for " + what;
    }

    private boolean failuresIn(long epoch) {
        Messages.Sync[] in = syncs.get(epoch);
        int[] counted = new int[size];
        for (Messages.Failure f : remoteFailures) {
            if (f.epoch() == epoch && f.rank() >= 0 && f.rank() < size) {
                counted[f.rank()]++;
            }
        }
        for (int r = 0; r < size; r++) {
            if (r != rank && in[r].failureCount() > counted[r]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Broadcasts a control frame; when a peer cannot be reached, its own reason (an ABORT, or the loss notice) is on
     * its way in order behind its last frames, or another rank's ABORT explains it: waits for one, at most
     * {@value #LOSS_NOTICE_WAIT_MS} ms, and reports that rather than the bare send failure. Program thread.
     */
    private void broadcastOrExplain(byte type, long epoch, ByteBuffer payload) {
        try {
            broadcast(type, epoch, payload);
        } catch (org.bind.transport.TransportException e) {
            synchronized (this) {
                long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LOSS_NOTICE_WAIT_MS);
                while (!health.peerGone() && System.nanoTime() < deadlineNs) {
                    waitQuietly();
                }
                health.checkPeers(epoch);
            }
            throw e;
        }
    }

    private BindException divergence(long epoch, Messages.Sync[] all, OpLog log) {
        int block = firstDifferingBlock(all);
        long first = (long) block * OpLog.BLOCK;
        broadcastOrExplain(Frames.DETAIL, epoch, Messages.encode(new Messages.Detail(first, log.hashes(first),
            log.descriptions(first))));
        Messages.Detail[] logs;
        synchronized (this) {
            while (!allDetails(epoch)) {
                health.checkPeers(epoch);
                waitQuietly();
            }
            logs = details.remove(epoch);
        }
        logs[rank] = new Messages.Detail(first, log.hashes(first), log.descriptions(first));
        for (int i = 0; i < OpLog.BLOCK; i++) {
            Long reference = entry(logs[0], i);
            for (int r = 1; r < size; r++) {
                Long other = entry(logs[r], i);
                if (reference == null ? other != null : !reference.equals(other)) {
                    return new BindException("DAG divergence at op #" + (first + i) + " of epoch " + epoch + ": rank 0 "
                        + describe(logs[0], i) + ", rank " + r + " " + describe(logs[r], i)
                        + " (the ranks must submit the same ops: no rank-dependent branch around an @Op call)");
                }
            }
        }
        StringBuilder counts = new StringBuilder();
        for (int r = 0; r < size; r++) {
            counts.append(r == 0 ? "" : ", ").append("rank ").append(r).append(": ").append(all[r].opCount()).append(" ops");
        }
        return new BindException("DAG divergence in epoch " + epoch + " between op #" + first + " and op #"
            + (first + OpLog.BLOCK) + " (" + counts + "; ops past #" + OpLog.MAX_LOGGED + " of an epoch are not logged)");
    }

    private static Long entry(Messages.Detail detail, int i) {
        return i < detail.hashes().length ? detail.hashes()[i] : null;
    }

    private static String describe(Messages.Detail detail, int i) {
        return i < detail.descriptions().length ? "submitted " + detail.descriptions()[i]
            : "submitted nothing there (it reached sync())";
    }

    private int firstDifferingBlock(Messages.Sync[] all) {
        int longest = 0;
        for (Messages.Sync s : all) {
            longest = Math.max(longest, s.checkpoints().length);
        }
        for (int j = 0; j < longest; j++) {
            Long reference = j < all[0].checkpoints().length ? all[0].checkpoints()[j] : null;
            for (int r = 1; r < size; r++) {
                Long other = j < all[r].checkpoints().length ? all[r].checkpoints()[j] : null;
                if (reference == null || !reference.equals(other)) {
                    return j;
                }
            }
        }
        return longest;
    }

    private boolean allDetails(long epoch) {
        return fromEveryPeer(details.get(epoch));
    }

    private void broadcast(byte type, long epoch, ByteBuffer payload) {
        int length = payload.remaining();
        for (int r = 0; r < size; r++) {
            if (r == rank) {
                continue;
            }
            ByteBuffer frame = Frames.allocate(type, jobId, epoch, rank, -1, 0, 0, 1, length, length);
            frame.put(frame.position(), payload, payload.position(), length);
            frame.position(0);
            transport.send(r, frame);
        }
    }

    /**
     * {@code error}, unless a peer that sent a closing {@code SYNC} for {@code epoch} says its main threw: then
     * that ("rank 1 gave up on the job: main threw ..."), {@code error} suppressed. Waits for the last word of
     * every such peer, {@value #FINAL_WORD_WAIT_MS} ms at most. Program thread.
     */
    BindException preferThrownMain(long epoch, BindException error) {
        Messages.Sync[] in;
        synchronized (this) {
            in = syncs.get(epoch);
        }
        return preferThrownMain(in, error);
    }

    private BindException preferThrownMain(Messages.Sync[] all, BindException error) {
        List<Integer> closing = new ArrayList<>();
        for (int r = 0; all != null && r < size; r++) {
            if (r != rank && all[r] != null && all[r].closing()) {
                closing.add(r);
            }
        }
        if (closing.isEmpty()) {
            return error;
        }
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FINAL_WORD_WAIT_MS);
        synchronized (this) {
            while (!health.lastWordsIn(closing) && System.nanoTime() < deadlineNs) {
                waitQuietly();
            }
            for (int r : closing) {
                String word = health.lastWord(r);
                if (word != null && word.startsWith(LaunchedMain.MAIN_THREW)) {
                    BindException thrown = new BindException("rank " + r + " gave up on the job: " + word);
                    thrown.addSuppressed(error);
                    return thrown;
                }
            }
        }
        return error;
    }

    private void waitQuietly() {
        try {
            wait(WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BindException("interrupted while waiting in sync() on rank " + rank);
        }
    }

    @Override
    public synchronized String toString() {
        return "EpochSync[rank " + rank + ", pending syncs " + Arrays.toString(syncs.keySet().toArray()) + "]";
    }
}
