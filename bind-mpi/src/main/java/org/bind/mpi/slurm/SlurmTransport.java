package org.bind.mpi.slurm;

import java.io.File;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.agrona.IoUtil;
import org.bind.mpi.aeron.AeronForwarding;
import org.bind.mpi.aeron.AeronSettings;
import org.bind.mpi.aeron.AeronTransport;

/**
 * A Slurm task's rank: the Aeron transport, plus the clean-up no launcher does for it. The task removes its own
 * Aeron directory and rendezvous files when it closes, and also from a shutdown hook when Slurm stops it (the
 * SIGTERM of {@code scancel} or of the time limit); it removes the Aeron directories that lost ranks left on this
 * node (a rank killed by SIGKILL cannot). Thread safe.
 */
final class SlurmTransport extends AeronForwarding {
    private final AeronSettings settings;
    private final Rendezvous rendezvous;
    private final Set<Integer> lost = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread hook = new Thread(this::cleanUp, "bind-slurm-cleanup");
    private volatile AeronTransport aeron;

    SlurmTransport(AeronSettings settings, Rendezvous rendezvous) {
        this.settings = settings;
        this.rendezvous = rendezvous;
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Starts Aeron and returns once every peer has completed the handshake; leaves the rendezvous then. */
    void connect() {
        try {
            aeron = new AeronTransport(settings);
            aeron.awaitConnected();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        rendezvous.leave();
    }

    long jobId() {
        return settings.jobId();
    }

    @Override
    public int rank() {
        return settings.rank();
    }

    @Override
    public int size() {
        return settings.size();
    }

    @Override
    public long peerTimeoutMs() {
        return TimeUnit.NANOSECONDS.toMillis(settings.heartbeatTimeoutNs());
    }

    @Override
    public AeronTransport aeron() {
        return aeron;
    }

    @Override
    protected void peerLost(int lostRank) {
        lost.add(lostRank);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        AeronTransport transport = aeron;
        if (transport != null) {
            transport.close();
        }
        cleanUp();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is exiting: the hook runs the same clean-up
        }
    }

    /** Removes this rank's rendezvous files and Aeron directory, and those lost ranks left on this node. */
    private void cleanUp() {
        rendezvous.leave();
        IoUtil.delete(settings.aeronDir(), true);
        for (int rank : lost) {
            IoUtil.delete(new File(settings.aeronDirRoot(), AeronSettings.dirPrefix(settings.jobId()) + rank), true);
        }
    }
}
