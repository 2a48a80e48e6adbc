package org.bind.multi;

import java.nio.ByteBuffer;

import org.bind.transport.Transport;
import org.bind.transport.inproc.InProcTransport;

/**
 * A rank's in-JVM transport end seen through a test's lens: everything goes to the end, and the runtime's receiver
 * is handed to the end through {@link #watch}, which a test overrides to observe or interleave what reaches it.
 */
abstract class InProcEnd implements Transport {
    final InProcTransport end;

    InProcEnd(InProcTransport end) {
        this.end = end;
    }

    /** What the end delivers to instead of {@code runtime}. */
    abstract Receiver watch(Receiver runtime);

    @Override
    public int rank() {
        return end.rank();
    }

    @Override
    public int size() {
        return end.size();
    }

    @Override
    public void start(Receiver runtime) {
        end.start(watch(runtime));
    }

    @Override
    public void send(int toRank, ByteBuffer frame) {
        end.send(toRank, frame);
    }

    @Override
    public void refuse(int peer) {
        end.refuse(peer);
    }

    @Override
    public void close() {
        end.close();
    }
}
