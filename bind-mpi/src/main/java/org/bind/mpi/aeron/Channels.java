package org.bind.mpi.aeron;

import java.net.InetSocketAddress;

/**
 * The Aeron channels of a job's ranks. Over UDP every rank subscribes on its own endpoint and publishes to each peer's,
 * all on stream {@link AeronTransport#STREAM_ID}. Over IPC (the ranks are clients of one shared media driver) rank
 * {@code r} subscribes on {@code aeron:ipc}, stream {@code STREAM_ID + r}, and publishes to a peer on the peer's
 * stream with a session id of its own ({@code session-id}: otherwise the driver would give every rank publishing to
 * that peer one and the same publication, and the receiver could not tell the senders apart). Stateless.
 */
final class Channels {
    /** Session ids of IPC publications: this plus the sending rank. */
    static final int IPC_SESSION_BASE = 0x42000000;

    private Channels() {
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
