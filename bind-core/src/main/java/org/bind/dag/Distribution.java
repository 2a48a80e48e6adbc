package org.bind.dag;

import java.util.List;

import org.bind.OpFailedException;
import org.bind.intercept.OpMethod;
import org.bind.version.Failure;
import org.bind.version.Tracked;
import org.bind.version.Version;

/**
 * How one rank takes part in the job: {@link SingleRank} when it is alone, {@link MultiRank} when versions live
 * on ranks, travel between them, and every sync is collective. The engine records and runs ops the same way
 * either way and asks this at each point where the ranks matter.
 *
 * <p>Program thread, unless a method says otherwise.
 */
interface Distribution {
    /** {@code version} is held by every rank (an object's first version, a value the program set). */
    void heldEverywhere(Version version);

    /**
     * Logs an op placed on {@code where} ({@link Engine#COMMON}: every rank) for the divergence check; returns
     * whether it runs here. One placed elsewhere is bookkeeping only: its reads plan transfers, its writes make
     * versions held there.
     */
    boolean logOp(OpMethod method, int where, Tracked[] objects, Access[] access, int count);

    /** An op placed on {@code where} reads {@code input}, here. */
    void onRead(Version input, int where);

    /** An op placed on {@code where} writes {@code output}, the new version of {@code object}, here. */
    void onWrite(Version output, Tracked object, int where);

    /** {@code Bind.replicate}: the latest versions of {@code objects} are read on {@code where}. */
    void replicate(Tracked[] objects, int where);

    /**
     * Waits for {@code latest} of object {@code name}, for the program to read; throws when it lives elsewhere or
     * when no peer will send it.
     */
    void awaitReadable(Version latest, String name);

    /** Runs while the program thread waits for room in the window: throws when the wait cannot end. */
    void whileWindowFull();

    /** Runs while {@code sync()} waits for the ops in flight: gives up on receives no peer will send. */
    void whileQuiescing();

    /** This rank gives up on the job with {@code reason}: the peers are told, expected receives abandoned. */
    void abandon(String reason);

    /** Tells the peers about a failure here at program position {@code sequence}. Any thread. */
    void announceFailure(Failure failure, long sequence);

    /**
     * Ends {@code sync()} of {@code epoch} once this rank is quiescent: the exception for the epoch's failures on
     * every rank ({@code local}: this rank's, in program order), or null when there are none; throws
     * {@link org.bind.BindException} on divergence or a lost peer.
     */
    OpFailedException agree(long epoch, List<FailureLedger.Recorded> local, boolean closing);

    /** Whether a peer was lost or gave up. Any thread. */
    boolean peerGone();

    /** The last word of a launched main after its engine closed: tells the peers, then closes the transport. */
    void lastWord(long epoch, String reason);

    /** Stops the transport. */
    void close();

    /** Transfer counters (zero when alone). Any thread. */
    Transfers transfers();

    /** What this rank sent and received. */
    record Transfers(long versionsSent, long versionsReceived, long bytesSent, long bytesReceived,
                     long framesDropped, long receivedIntoRecycled) {
        static final Transfers NONE = new Transfers(0, 0, 0, 0, 0, 0);
    }
}
