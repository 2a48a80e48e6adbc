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
 * that peer one and the same publication, and the receiver could not tell the senders apart). The choice between
 * the two (directory, driver, channels, publications, messages) is made here alone. Stateless.
 */
final class Channels {
    /** Session ids of IPC publications: this plus the sending rank. */
    static final int IPC_SESSION_BASE = 0x42000000;

    private Channels() {
    }

    /** This rank's Aeron directory: the job's shared driver's (IPC), or its own (UDP; deleted at close). */
    static File aeronDir(AeronSettings settings) {
        return settings.ipc() ? new File(settings.sharedDir()) : settings.aeronDir();
    }

    /** Starts this rank's own media driver (UDP); null over IPC, where the launcher's serves the job's ranks. */
    static MediaDriver launchDriver(AeronSettings settings, File dir, ErrorHandler errorHandler) {
        return settings.ipc() ? null : EmbeddedAeron.launchDriver(settings, dir, errorHandler);
    }

    /** Deletes {@code dir} when this rank made it (UDP): a shared driver's directory is its launcher's to remove. */
    static void deleteOwnDir(AeronSettings settings, File dir) {
        if (!settings.ipc() && dir.exists()) {
            IoUtil.delete(dir, true);
        }
    }

    /** This rank's subscription, to which its peers publish. */
    static Subscription subscribe(Aeron client, AeronSettings settings) {
        return client.addSubscription(subscription(settings), stream(settings, settings.rank()));
    }

    /**
     * This rank's publication to {@code toRank}: over IPC an exclusive one with the rank's own session id, over UDP a
     * shared one to the peer's endpoint.
     */
    static Publication publish(Aeron client, AeronSettings settings, int toRank) {
        String channel = publication(settings, toRank);
        int stream = stream(settings, toRank);
        return settings.ipc() ? client.addExclusivePublication(channel, stream)
            : client.addPublication(channel, stream);
    }

    /** Where this rank's end is, for messages. */
    static String describeOwn(AeronSettings settings, File dir) {
        return settings.ipc() ? "the job's shared media driver in " + dir : describe(settings, settings.rank());
    }

    /** Why every peer is lost once the media driver in {@code dir} stopped answering. */
    static String driverGone(AeronSettings settings, File dir) {
        return "the media driver in " + dir + " stopped responding"
            + (settings.ipc() ? " (the job's shared driver: its launcher is gone or stalled)" : "");
    }

    /** The channel this rank subscribes on. */
    static String subscription(AeronSettings settings) {
        return settings.ipc() ? "aeron:ipc" : udp(settings, settings.peers().get(settings.rank()));
    }

    /** The stream of the subscription of {@code rank}, to which its peers publish. */
    static int stream(AeronSettings settings, int rank) {
        return settings.ipc() ? AeronTransport.STREAM_ID + rank : AeronTransport.STREAM_ID;
    }

    /** The channel of this rank's publication to {@code toRank}. */
    static String publication(AeronSettings settings, int toRank) {
        if (settings.ipc()) {
            return "aeron:ipc?term-length=" + settings.termBytes() + "|mtu=" + settings.mtuBytes() + "|session-id="
                + (IPC_SESSION_BASE + settings.rank());
        }
        return udp(settings, settings.peers().get(toRank));
    }

    /** Where {@code rank} is, for messages: its UDP endpoint, or the shared driver's IPC. */
    static String describe(AeronSettings settings, int rank) {
        return settings.ipc() ? "aeron:ipc stream " + stream(settings, rank) : address(settings.peers().get(rank));
    }

    private static String udp(AeronSettings settings, InetSocketAddress endpoint) {
        return "aeron:udp?endpoint=" + address(endpoint) + "|mtu=" + settings.mtuBytes() + "|term-length="
            + settings.termBytes();
    }

    static String address(InetSocketAddress endpoint) {
        return endpoint.getHostString() + ":" + endpoint.getPort();
    }
}
