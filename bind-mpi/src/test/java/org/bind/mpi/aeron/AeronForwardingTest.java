package org.bind.mpi.aeron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.bind.transport.Transport;
import org.junit.jupiter.api.Test;

/**
 * What a transport wrapping Aeron (MPJ Express's bootstrap, a Slurm task) passes on: every call of the receiver, the
 * landing of a frame's chunks in place included (without it each chunk would arrive as a whole frame, one copy
 * more), and a lost peer to the wrapper before the runtime.
 */
class AeronForwardingTest {
    @Test
    void shouldForwardEveryReceiverCallAndTellTheWrapperOfALossFirst() {
        List<String> calls = new ArrayList<>();
        Transport.Landing landing = new Transport.Landing() {
            @Override
            public void put(ByteBuffer bytes) {
                calls.add("put");
            }

            @Override
            public void onLanded() {
                calls.add("landed");
            }
        };
        Transport.Receiver runtime = new Transport.Receiver() {
            @Override
            public void onFrame(int fromRank, ByteBuffer frame) {
                calls.add("frame from " + fromRank + " of " + frame.remaining());
            }

            @Override
            public Transport.Landing onFrameStart(int fromRank, ByteBuffer start, int length) {
                calls.add("start from " + fromRank + " of " + length);
                return landing;
            }

            @Override
            public void onPeerLost(int rank, String reason) {
                calls.add("runtime: " + rank + " lost: " + reason);
            }

            @Override
            public void onPeerClosed(int rank) {
                calls.add("closed " + rank);
            }
        };
        AeronForwarding wrapper = new AeronForwarding() {
            @Override
            public AeronTransport aeron() {
                throw new AssertionError("not used by the receiver");
            }

            @Override
            protected void peerLost(int lostRank) {
                calls.add("wrapper: " + lostRank + " lost");
            }

            @Override
            public void close() {
            }
        };
        Transport.Receiver watching = wrapper.watching(runtime);

        watching.onFrame(1, ByteBuffer.allocate(5));
        assertSame(landing, watching.onFrameStart(2, ByteBuffer.allocate(3), 1 << 20));
        watching.onPeerLost(3, "silent");
        watching.onPeerClosed(1);

        assertEquals(List.of("frame from 1 of 5", "start from 2 of 1048576", "wrapper: 3 lost",
            "runtime: 3 lost: silent", "closed 1"), calls);
    }
}
