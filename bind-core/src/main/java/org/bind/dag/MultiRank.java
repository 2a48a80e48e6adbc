package org.bind.dag;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.LongSupplier;

import org.bind.BindException;
import org.bind.OpFailedException;
import org.bind.collective.Residence;
import org.bind.intercept.OpMethod;
import org.bind.transport.Transport;
import org.bind.version.BufferPool;
import org.bind.version.Failure;
import org.bind.version.MemoryAccount;
import org.bind.version.Tracked;
import org.bind.version.Version;
import org.bind.version.VersionWaiter;

/**
 * One rank of several: every rank records every op ({@link OpLog}, for the divergence check); versions live on
 * ranks ({@link Residence}) and travel between them ({@link Exchange}); a sync is collective ({@link EpochSync});
 * inbound frames go through the {@link FrameRouter}; every wait asks {@link JobHealth} whether it can still end.
 */
final class MultiRank implements Distribution {
    private static final long WAIT_NS = 50_000_000L;
    /** The signature hash standing for {@code replicate} in the op log. */
    private static final long REPLICATE = 0x5245504C49434154L;

    private final int rank;
    private final int size;
    private final Transport transport;
    private final Exchange exchange;
    private final EpochSync epochSync;
    private final JobHealth health;
    private final OpLog opLog = new OpLog();
    private final MemoryAccount account;
    /** Where a version that a remote write supersedes goes when that was its last hold (it may have been sent). */
    private final BufferPool sharedPool;
    private final LongSupplier epoch;
    /** The engine gives up on the job with a reason (it becomes unusable); returns the exception to throw. */
    private final Function<String, BindException> failJob;
    /** Counts data frames and finds ranks waiting for each other ({@link IdleReports}). */
    private final IdleReports idleReports;
    private final BooleanSupplier schedulerIdle;
    /** Failure reports to the peers, retried until a peer that cannot be told is lost. */
    private final FailureBroadcast failures;

    MultiRank(EngineConfig config, ExchangeHost host, LongSupplier epoch, Function<String, BindException> failJob,
              BooleanSupplier schedulerIdle) {
        this.rank = config.rank();
        this.size = config.size();
        this.transport = config.transport();
        this.account = host;
        this.sharedPool = host.sharedPool();
        this.epoch = epoch;
        this.failJob = failJob;
        this.schedulerIdle = schedulerIdle;
        this.idleReports = new IdleReports(transport, config.jobId());
        this.exchange = new Exchange(host, idleReports.counting(), config.jobId(), config.chunkBytes(),
            config.maxVersionBytes(), config.maxUnclaimedBytes());
        this.epochSync = new EpochSync(transport, config.jobId());
        this.health = new JobHealth(rank, size, epochSync, exchange::pendingReceives);
        epochSync.watchedBy(health);
        FrameRouter router = new FrameRouter(rank, config.jobId(), Math.max(config.chunkBytes(), 64 << 20), exchange,
            epochSync, health, idleReports, epoch);
        this.failures = new FailureBroadcast(transport, config.jobId(), new FailureBroadcast.Peers() {
            @Override
            public boolean gone(int peer) {
                return health.lastWordsIn(List.of(peer));
            }

            @Override
            public void lose(int peer, String reason) {
                System.err.println("bind: rank " + rank + " treats rank " + peer + " as lost: " + reason);
                router.onPeerLost(peer, reason);
            }
        });
        transport.start(router);
    }

    @Override
    public void heldEverywhere(Version version) {
        version.residence(Residence.everywhere(size));
    }

    @Override
    public boolean logOp(OpMethod method, int where, Tracked[] objects, Access[] access, int count) {
        opLog.append(opHash(method.signatureHash(), where, objects, access, count), method.name(), where);
        if (where == Engine.COMMON || where == rank) {
            return true;
        }
        for (int i = 0; i < count; i++) {
            Version latest = objects[i].versionChain().latest();
            if (access[i].reads()) {
                exchange.noteRead(latest, where, epoch.getAsLong());
            }
            if (access[i].writes()) {
                onWrite(objects[i].versionChain().supersedeRemote(sharedPool, account), objects[i], where);
            }
        }
        return false;
    }

    @Override
    public void onRead(Version input, int where) {
        exchange.noteRead(input, where, epoch.getAsLong());
    }

    @Override
    public void onWrite(Version output, Tracked object, int where) {
        output.residence(where == Engine.COMMON ? Residence.everywhere(size) : Residence.on(where, size));
        if (object.replicated() && where != Engine.COMMON) {
            exchange.noteBroadcast(output, where, epoch.getAsLong());
        }
    }

    @Override
    public void replicate(Tracked[] objects, int where) {
        Access[] reads = new Access[objects.length];
        Arrays.fill(reads, Access.READ);
        opLog.append(opHash(REPLICATE, where, objects, reads, objects.length), "replicate", where);
        for (Tracked object : objects) {
            exchange.noteRead(object.versionChain().latest(), where, epoch.getAsLong());
        }
    }

    private static long opHash(long signature, int where, Tracked[] objects, Access[] access, int count) {
        long h = OpLog.mix(signature ^ (where + 2L));
        for (int i = 0; i < count; i++) {
            h = OpLog.mix(h ^ (objects[i].id() * 4 + access[i].ordinal()));
        }
        return h;
    }

    /** Waits for a version that may be in transit; fails instead of hanging when no peer will send it. */
    @Override
    public void awaitReadable(Version latest, String name) {
        Residence residence = latest.residence();
        if (!residence.heldBy(rank)) {
            throw new BindException(name + " lives on rank " + residence.owner() + "; read it in an op"
                + " placed there (try (Scope s = bind.on(" + residence.owner() + ")) { ... })");
        }
        Thread self = Thread.currentThread();
        VersionWaiter wake = v -> LockSupport.unpark(self);
        if (!latest.addWaiter(wake)) {
            return;
        }
        while (!latest.isDone()) {
            LockSupport.parkNanos(this, WAIT_NS);
            // With no receive expected, the version is still being computed here (its producer, or an op it
            // waits for, is queued): wait on.
            String diverged = latest.isDone() ? null : health.check(epoch.getAsLong(), name);
            if (diverged != null) {
                Thread.yield();
                if (!latest.isDone() && exchange.pendingReceives() > 0) {
                    throw giveUp(diverged);
                }
            }
        }
    }

    @Override
    public void whileWindowFull() {
        String diverged = health.check(epoch.getAsLong(), "data");
        if (diverged != null) {
            throw giveUp(diverged);
        }
    }

    @Override
    public void whileQuiescing() {
        long now = epoch.getAsLong();
        String diverged = health.check(now, "data");
        // idle: no op to run, and no version of this rank's own waiting in a send pump (its frames are not counted yet)
        if (diverged == null && idleReports.stuck(now, () -> schedulerIdle.getAsBoolean() && exchange.sendsIdle())) {
            diverged = health.waitingForEachOther("data");
        }
        if (diverged != null) {
            // the receivers are skipped; the sync then names the first op the ranks disagree on
            exchange.abandonReceives(new Failure("receive", rank, now, new BindException(diverged)));
        }
    }

    /** Gives up on the job for {@code reason}, or for what a peer that ended its main says. */
    private BindException giveUp(String reason) {
        return epochSync.preferThrownMain(epoch.getAsLong(), failJob.apply(reason));
    }

    @Override
    public void abandon(String reason) {
        long now = epoch.getAsLong();
        epochSync.broadcastAbort(now, reason);
        exchange.abandonReceives(new Failure("receive", rank, now, new BindException(reason)));
    }

    @Override
    public void announceFailure(Failure failure, long sequence) {
        failures.broadcast(failure.epoch(), FailureLedger.toMessage(failure, sequence));
    }

    @Override
    public OpFailedException agree(long finished, List<FailureLedger.Recorded> local, boolean closing) {
        idleReports.onQuiesced(finished);
        try {
            return FailureLedger.toThrow(epochSync.exchange(finished, opLog, FailureLedger.toMessages(local), closing),
                local, rank);
        } finally {
            idleReports.onSynced();
            exchange.dropUnclaimed(finished);
            opLog.reset();
        }
    }

    @Override
    public boolean peerGone() {
        return health.peerGone();
    }

    @Override
    public void lastWord(long now, String reason) {
        epochSync.broadcastAbort(now, reason);
        transport.close();
        exchange.close();
    }

    @Override
    public void close() {
        transport.close();
        exchange.close();
    }

    @Override
    public Transfers transfers() {
        return new Transfers(exchange.versionsSent(), exchange.versionsReceived(), exchange.bytesSent(),
            exchange.bytesReceived(), exchange.framesDropped(), exchange.receivedIntoRecycled());
    }
}
