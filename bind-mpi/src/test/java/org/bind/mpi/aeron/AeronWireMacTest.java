package org.bind.mpi.aeron;

import static org.bind.mpi.TransportContractTest.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.bind.mpi.TransportContractTest.Recorder;
import org.bind.transport.Frames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Frames between ranks with MACs ({@code bind.wire.mac=true}) when someone writes into an authenticated session:
 * messages are put on rank 1's own publication to rank 0, as an attacker on the path would. A frame with one bit
 * flipped in its header, its payload or its tag, and a frame replayed byte for byte, are dropped and counted; the
 * genuine frames before and after arrive intact and in order. The oracle: the bytes rank 1 sent.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AeronWireMacTest {
    private final List<AeronTransport> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        opened.forEach(AeronTransport::close);
    }

    private static byte[] frame(long jobId, long object, int payloadBytes, long seed) {
        byte[] payload = new byte[payloadBytes];
        new Random(seed).nextBytes(payload);
        ByteBuffer frame = Frames.allocate(Frames.DATA, jobId, 0, 1, object, 1, 0, 1, payloadBytes, payloadBytes);
        frame.put(Frames.HEADER_BYTES, payload);
        return frame.array();
    }

    /** Writes {@code frame} and then {@code tag} on {@code peer}'s session, as the transport's pieces would go. */
    private static void inject(Peer peer, byte[] frame, byte[] tag) {
        UnsafeBuffer first = new UnsafeBuffer(new byte[Outbound.FIRST_PREFIX_BYTES + frame.length]);
        first.putByte(0, Wire.DATA_FIRST);
        first.putInt(1, frame.length, Wire.ORDER);
        first.putBytes(Outbound.FIRST_PREFIX_BYTES, frame);
        UnsafeBuffer mac = new UnsafeBuffer(new byte[1 + tag.length]);
        mac.putByte(0, Wire.MAC);
        mac.putBytes(1, tag);
        peer.sendLock.lock();
        try {
            await("room on rank 1's publication", 10_000, () -> peer.offer(first, first.capacity()) > 0);
            await("room on rank 1's publication", 10_000, () -> peer.offer(mac, mac.capacity()) > 0);
        } finally {
            peer.sendLock.unlock();
        }
    }

    private static byte[] tag(FrameMac mac, byte[] frame) {
        mac.begin();
        mac.update(ByteBuffer.wrap(frame));
        return mac.seal();
    }

    private static byte[] flipped(byte[] bytes, int index) {
        byte[] copy = bytes.clone();
        copy[index] ^= 0x10;
        return copy;
    }

    @Test
    void shouldDropATamperedOrReplayedFrameAndDeliverTheGenuineOnes() throws Exception {
        AeronSettings[] settings = AeronTestJobs.settings(2, Map.of(AeronSettings.WIRE_MAC_ENV, "true"));
        AeronTransport[] transports = AeronTestJobs.create(settings);
        opened.addAll(List.of(transports));
        Recorder rank0 = new Recorder(2);
        Thread starter = new Thread(() -> transports[1].start(new Recorder(2)));
        starter.start();
        transports[0].start(rank0);
        starter.join(30_000);
        long jobId = settings[0].jobId();

        byte[] a = frame(jobId, 1, 5_000, 1);
        transports[1].send(0, ByteBuffer.wrap(a));
        await("the first genuine frame", 10_000, () -> rank0.count(1) == 1);
        // the MAC rank 1 used for its first frame, as someone with the key would compute it (number 0, then 1)
        FrameMac attacker = new FrameMac(settings[1].secret(), jobId, 1, 0);
        byte[] tagOfA = tag(attacker, a);
        byte[] b = frame(jobId, 2, 3_000, 2);
        FrameMac next = new FrameMac(settings[1].secret(), jobId, 1, 0);
        tag(next, a);
        byte[] tagOfB = tag(next, b); // what B's tag would be as the second frame
        Peer toRank0 = transports[1].peer(0);
        inject(toRank0, flipped(b, 20), tagOfB);                           // a bit of the header (its object id)
        inject(toRank0, flipped(b, Frames.HEADER_BYTES + 1_000), tagOfB);  // a bit of the payload
        inject(toRank0, b, flipped(tagOfB, 7));                            // a bit of the tag
        inject(toRank0, a, tagOfA);                                        // the first frame again, byte for byte
        byte[] c = frame(jobId, 3, 70_000, 3);
        transports[1].send(0, ByteBuffer.wrap(c));
        await("the second genuine frame", 10_000, () -> rank0.count(1) == 2);
        await("four frames dropped for their MAC", 10_000, () -> transports[0].macFailures() == 4);
        List<byte[]> got = new ArrayList<>(rank0.frames.get(1));
        assertArrayEquals(a, got.get(0), "first frame");
        assertArrayEquals(c, got.get(1), "second genuine frame, after the tampered and replayed ones");
        assertEquals(4, transports[0].macFailures());
        assertTrue(transports[0].droppedMessages() >= 4, "drops: " + transports[0].droppedMessages());
        assertEquals(List.of("frame", "frame"), rank0.events.get(1));
    }

    @Test
    void shouldRefuseAPeerWithoutMacsNamingTheSetting() throws Exception {
        AeronSettings[] settings = AeronTestJobs.settings(2, Map.of(AeronSettings.WIRE_MAC_ENV, "true"));
        settings[0] = settings[0].withTimeouts(200, 1_000, 3_000);
        settings[1] = settings[1].withIdentity(AeronSettings.PROTOCOL_VERSION, settings[1].buildId())
            .withTimeouts(200, 1_000, 3_000);
        AeronTransport[] transports = AeronTestJobs.create(settings);
        opened.addAll(List.of(transports));
        Thread other = new Thread(() -> {
            try {
                transports[1].start(new Recorder(2));
            } catch (RuntimeException expected) {
                // refused as well
            }
        });
        other.start();
        org.bind.transport.TransportException refused = org.junit.jupiter.api.Assertions.assertThrows(
            org.bind.transport.TransportException.class, () -> transports[0].start(new Recorder(2)));
        other.join(10_000);
        assertTrue(refused.getMessage().contains("protocol mismatch") && refused.getMessage().contains("bind.wire.mac"),
            refused.getMessage());
    }
}
