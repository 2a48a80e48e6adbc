package org.bind.mpi.aeron;

import java.nio.ByteBuffer;

import org.bind.transport.Transport;

/**
 * A transport that carries its frames over an {@link AeronTransport} and adds what its way of starting ranks needs
 * around it (MPJ Express's {@code MPI.Finalize}, a Slurm task's clean-up): everything a frame goes through is
 * forwarded unchanged, the in-place landing of chunks included ({@link Transport.Receiver#onFrameStart}), and a
 * lost peer is told to {@link #peerLost} before the runtime hears of it. Subclasses close it. Thread safe.
 */
public abstract class AeronForwarding implements Transport, AeronBacked {
    /** The transport that carries the frames; set before {@link #start}. */
    @Override
    public abstract AeronTransport aeron();

    /** Called on the transport's thread when {@code lostRank} is lost, before the runtime is told. */
    protected abstract void peerLost(int lostRank);

    @Override
    public int rank() {
        return aeron().rank();
    }

    @Override
    public int size() {
        return aeron().size();
    }

    @Override
    public long peerTimeoutMs() {
        return aeron().peerTimeoutMs();
    }

    @Override
    public int preferredChunkBytes() {
        return aeron().preferredChunkBytes();
    }

    @Override
    public void start(Receiver receiver) {
        aeron().start(watching(receiver));
    }

    /** {@code receiver}, with every call forwarded and a lost peer told to {@link #peerLost} first. */
    Receiver watching(Receiver receiver) {
        return new Receiver() {
            @Override
            public void onFrame(int fromRank, ByteBuffer frame) {
                receiver.onFrame(fromRank, frame);
            }

            @Override
            public Landing onFrameStart(int fromRank, ByteBuffer start, int length) {
                return receiver.onFrameStart(fromRank, start, length); // chunks land in place through the wrapper
            }

            @Override
            public void onPeerLost(int lostRank, String reason) {
                peerLost(lostRank);
                receiver.onPeerLost(lostRank, reason);
            }

            @Override
            public void onPeerClosed(int closedRank) {
                receiver.onPeerClosed(closedRank);
            }
        };
    }

    @Override
    public void send(int toRank, ByteBuffer frame) {
        aeron().send(toRank, frame);
    }

    @Override
    public void send(int toRank, ByteBuffer header, ByteBuffer payload) {
        aeron().send(toRank, header, payload); // gathered by Aeron: no copy of the payload
    }

    @Override
    public void send(int toRank, ByteBuffer header, Payload payload) {
        aeron().send(toRank, header, payload); // written by the payload into Aeron's log: no staging copy
    }

    @Override
    public void refuse(int peer) {
        aeron().refuse(peer);
    }
}
