package org.bind.mpi.aeron;

import java.io.File;
import java.net.InetSocketAddress;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import org.agrona.ErrorHandler;
import org.agrona.IoUtil;

/**
 * The Aeron channels of a job's ranks. Over UDP every rank subscribes on its own endpoint and publishes to each peer's,
 * all on stream {@link AeronTransport#STREAM_ID}. Over IPC (the ranks are clients of one shared media driver) rank
 * {@code r} subscribes on {@code aeron:ipc}, stream {@code STREAM_ID + r}, and publishes to a peer on the peer's
 * stream with a session id of its own ({@code session-id}: otherwise the driver would give every rank publishing to
 * that peer one and the same publication, and the receiver could not tell the senders apart). A rank whose host's
 * ranks share a driver while others run elsewhere ({@link AeronSettings#ipcRanks}) has both: IPC to the ranks of its
 * host, UDP (through the same driver) to the others, and a subscription for each. The choice between the two
 * (directory, driver, channels, publications, messages) is made here alone, per peer. Stateless.
 */
final class Channels {
    /** Session ids of IPC publications: this plus the sending rank. */
    static final int IPC_SESSION_BASE = 0x42000000;

    private Channels() {
    }

    /** This rank's Aeron directory: the shared driver's (IPC), or its own (UDP only; deleted at close). */
    static File aeronDir(AeronSettings settings) {
        return settings.ipc() ? new File(settings.sharedDir()) : settings.aeronDir();
    }

    /** Starts this rank's own media driver (UDP only); null when a shared driver serves the host's ranks. */
    static MediaDriver launchDriver(AeronSettings settings, File dir, ErrorHandler errorHandler) {
        return settings.ipc() ? null : EmbeddedAeron.launchDriver(settings, dir, errorHandler);
    }

    /** Deletes {@code dir} when this rank made it (UDP): a shared driver's directory is its owner's to remove. */
    static void deleteOwnDir(AeronSettings settings, File dir) {
        if (!settings.ipc() && dir.exists()) {
            IoUtil.delete(dir, true);
        }
    }

    /** This rank's IPC subscription, to which the ranks of its host publish; null when it has no such peer. */
    static Subscription subscribeIpc(Aeron client, AeronSettings settings) {
        return settings.anyIpc() ? client.addSubscription("aeron:ipc", ipcStream(settings.rank())) : null;
    }

    /** This rank's UDP subscription, to which the ranks of other hosts publish; null when it has no such peer. */
    static Subscription subscribeUdp(Aeron client, AeronSettings settings) {
        return settings.anyUdp() ? client.addSubscription(udp(settings, settings.peers().get(settings.rank())),
            AeronTransport.STREAM_ID) : null;
    }

    /**
     * This rank's publication to {@code toRank}: over IPC an exclusive one with the rank's own session id; over UDP one
     * to the peer's endpoint, exclusive (a session of its own) when the driver is shared with other ranks.
     */
    static Publication publish(Aeron client, AeronSettings settings, int toRank) {
        if (settings.ipcTo(toRank)) {
            return client.addExclusivePublication("aeron:ipc?term-length=" + settings.termBytes() + "|mtu="
                + settings.mtuBytes() + "|session-id=" + (IPC_SESSION_BASE + settings.rank()), ipcStream(toRank));
        }
        String udp = udp(settings, settings.peers().get(toRank));
        // on a shared driver a shared publication would be one for every rank of the host publishing to that peer
        return settings.ipc() ? client.addExclusivePublication(udp, AeronTransport.STREAM_ID)
            : client.addPublication(udp, AeronTransport.STREAM_ID);
    }

    /** Where this rank's end is, for messages. */
    static String describeOwn(AeronSettings settings, File dir) {
        return settings.ipc() ? "the media driver its host's ranks share in " + dir
            : describe(settings, settings.rank());
    }

    /** Why every peer is lost once the media driver in {@code dir} stopped answering. */
    static String driverGone(AeronSettings settings, File dir) {
        return "the media driver in " + dir + " stopped responding"
            + (settings.ipc() ? " (the driver this host's ranks share: its owner is gone or stalled)" : "");
    }

    /** The stream of {@code rank}'s IPC subscription, to which the ranks of its host publish. */
    static int ipcStream(int rank) {
        return AeronTransport.STREAM_ID + rank;
    }

    /** Where {@code rank} is, for messages: its UDP endpoint, or the shared driver's IPC stream. */
    static String describe(AeronSettings settings, int rank) {
        return settings.ipcTo(rank) ? "aeron:ipc stream " + ipcStream(rank) : address(settings.peers().get(rank));
    }

    /** The path to {@code rank}, for the verbose start line and tests: {@code ipc} or {@code udp}. */
    static String path(AeronSettings settings, int rank) {
        return settings.ipcTo(rank) ? "ipc" : "udp";
    }

    /** The line saying over which path this rank reaches each peer ({@link AeronSettings#VERBOSE_ENV}). */
    static String paths(AeronSettings settings, File dir) {
        java.util.StringJoiner line = new java.util.StringJoiner(", ", "bind: rank " + settings.rank() + " reaches ",
            settings.ipc() ? " (media driver in " + dir + ")" : "");
        for (int r = 0; r < settings.size(); r++) {
            if (r != settings.rank()) {
                line.add("rank " + r + " over " + path(settings, r));
            }
        }
        return line.toString();
    }

    private static String udp(AeronSettings settings, InetSocketAddress endpoint) {
        return "aeron:udp?endpoint=" + address(endpoint) + "|mtu=" + settings.mtuBytes() + "|term-length="
            + settings.termBytes();
    }

    static String address(InetSocketAddress endpoint) {
        return endpoint.getHostString() + ":" + endpoint.getPort();
    }
}
