package org.bind.mpi.aeron;

import static org.bind.mpi.TransportContractTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.bind.mpi.TransportContractTest.Recorder;
import org.bind.transport.TransportException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AeronTransportTest {
    private final List<AeronTransport> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        opened.forEach(AeronTransport::close);
    }

    private AeronTransport open(AeronSettings settings) {
        AeronTransport transport = new AeronTransport(settings);
        opened.add(transport);
        return transport;
    }

    private static AeronSettings[] fastHeartbeats(AeronSettings[] settings) {
        for (int r = 0; r < settings.length; r++) {
            settings[r] = settings[r].withTimeouts(200, 1_000, 10_000);
        }
        return settings;
    }

    /** Starts both ends from two threads (start waits for the handshake). */
    private static Recorder[] start(AeronTransport... transports) throws Exception {
        Recorder[] recorders = new Recorder[transports.length];
        List<Thread> starters = new ArrayList<>();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int r = 0; r < transports.length; r++) {
            recorders[r] = new Recorder(transports.length);
            AeronTransport transport = transports[r];
            Recorder recorder = recorders[r];
            Thread starter = new Thread(() -> {
                try {
                    transport.start(recorder);
                } catch (Throwable t) {
                    failures.add(t);
                }
            });
            starters.add(starter);
            starter.start();
        }
        for (Thread starter : starters) {
            starter.join(20_000);
        }
        assertTrue(failures.isEmpty(), () -> "start failed: " + failures);
        return recorders;
    }

    @Test
    void shouldReportPeerLostWhenItsHeartbeatsStop() throws Exception {
        AeronSettings[] settings = fastHeartbeats(AeronTestJobs.settings(3));
        AeronTransport[] transports = {open(settings[0]), open(settings[1]), open(settings[2])};
        Recorder[] recorders = start(transports);
        long crashedNs = System.nanoTime();
        transports[1].crash();
        await("rank 1 reported lost at ranks 0 and 2", 1_000 + 2_000,
            () -> !recorders[0].lost.isEmpty() && !recorders[2].lost.isEmpty());
        long detectedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - crashedNs);
        assertEquals(List.of("1: no heartbeat for 1000 ms"), recorders[0].lost);
        assertEquals(List.of("1: no heartbeat for 1000 ms"), recorders[2].lost);
        TransportException thrown = assertThrows(TransportException.class,
            () -> transports[0].send(1, ByteBuffer.allocate(16)));
        assertTrue(thrown.getMessage().contains("rank 1 lost: no heartbeat"), thrown.getMessage());
        transports[0].send(2, ByteBuffer.allocate(16));
        await("a frame between the survivors", 5_000, () -> recorders[2].count(0) == 1);
        assertTrue(detectedMs >= 1_000 - 200 - 50, "detected after " + detectedMs + " ms, before timeout minus period");
        assertFalse(transports[1].aeronDir().exists(), "crashed rank's Aeron directory left behind");
    }

    private static long transportCpuNs(java.lang.management.ThreadMXBean threads) {
        long total = 0;
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            String name = thread.getName();
            if (name.startsWith("bind-aeron-") || name.startsWith("aeron-") || name.contains("/bind-aeron-")) {
                total += Math.max(0, threads.getThreadCpuTime(thread.getId()));
            }
        }
        return total;
    }

    @Test
    void shouldNotBurnACoreWhenIdle() throws Exception {
        AeronSettings[] settings = AeronTestJobs.settings(2);
        AeronTransport[] transports = {open(settings[0]), open(settings[1])};
        start(transports);
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long settleUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
        await("the handshake's aftermath to settle", 5_000, () -> System.nanoTime() > settleUntil);
        long cpu0 = transportCpuNs(threads);
        long wall0 = System.nanoTime();
        long measureUntil = wall0 + TimeUnit.SECONDS.toNanos(3);
        await("three idle seconds", 10_000, () -> System.nanoTime() > measureUntil);
        double perTransport = (transportCpuNs(threads) - cpu0) / 2.0 / (System.nanoTime() - wall0);
        System.out.printf("idle Aeron transport: %.2f %% of a core%n", perTransport * 100);
        // parking idle strategies use 3-6 % of a core here, depending on the machine's load; a poll loop that spins
        // would use most of one
        assertTrue(perTransport < 0.10, "idle transport uses " + perTransport * 100 + " % of a core");
    }

    @Test
    void shouldNotReportPeerThatSaidGoodbye() throws Exception {
        AeronSettings[] settings = fastHeartbeats(AeronTestJobs.settings(2));
        AeronTransport[] transports = {open(settings[0]), open(settings[1])};
        Recorder[] recorders = start(transports);
        transports[1].send(0, ByteBuffer.wrap(new byte[] {1, 2, 3}));
        transports[1].close();
        await("the last frame before goodbye", 5_000, () -> recorders[0].count(1) == 1);
        long quietUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1_500);
        await("the heartbeat timeout to pass", 5_000, () -> System.nanoTime() > quietUntil);
        assertTrue(recorders[0].lost.isEmpty(), () -> "clean close reported as lost: " + recorders[0].lost);
        TransportException thrown = assertThrows(TransportException.class,
            () -> transports[0].send(1, ByteBuffer.allocate(8)));
        assertTrue(thrown.getMessage().contains("closed its transport"), thrown.getMessage());
    }

    @Test
    void shouldRefusePeerWithWrongSecretAtTheConnectTimeoutNamingTheFailedProof() {
        AeronSettings[] settings = AeronTestJobs.settings(2);
        byte[] wrong = settings[1].secret().clone();
        wrong[0] ^= 1;
        AeronTransport honest = open(settings[0].withTimeouts(200, 1_000, 1_500));
        AeronTransport intruder = open(settings[1].withSecret(wrong).withTimeouts(200, 1_000, 1_500));
        await("the wrong secret to be rejected", 1_000, () -> honest.rejectedPeers() > 0 && intruder.rejectedPeers() > 0);
        TransportException thrown = assertThrows(TransportException.class, intruder::awaitConnected);
        assertEquals("rank 0 not reachable at " + settings[1].peers().get(0).getHostString() + ":"
            + settings[1].peers().get(0).getPort() + ": no handshake within 1500 ms; a peer claiming to be rank 0 failed"
            + " authentication (wrong or missing BIND_SECRET)", thrown.getMessage());
        TransportException seen = assertThrows(TransportException.class, honest::awaitConnected);
        assertTrue(seen.getMessage().endsWith("a peer claiming to be rank 1 failed authentication (wrong or missing"
            + " BIND_SECRET)"), seen.getMessage());
    }

    @Test
    @SuppressWarnings("try")   // the driver is held open for the publication
    void shouldDropMessagesFromUnauthenticatedSenders() throws Exception {
        AeronSettings[] settings = AeronTestJobs.settings(2);
        AeronTransport[] transports = {open(settings[0]), open(settings[1])};
        Recorder[] recorders = start(transports);
        java.io.File dir = new java.io.File(settings[0].aeronDirRoot(), "bind-aeron-test-intruder-" + ProcessHandle.current().pid());
        try (io.aeron.driver.MediaDriver driver = io.aeron.driver.MediaDriver.launch(new io.aeron.driver.MediaDriver.Context()
                 .aeronDirectoryName(dir.getPath()).threadingMode(io.aeron.driver.ThreadingMode.SHARED)
                 .dirDeleteOnStart(true).dirDeleteOnShutdown(true));
             io.aeron.Aeron client = io.aeron.Aeron.connect(new io.aeron.Aeron.Context().aeronDirectoryName(dir.getPath()));
             io.aeron.Publication publication = client.addPublication("aeron:udp?endpoint=127.0.0.1:"
                 + settings[0].peers().get(0).getPort() + "|mtu=1408", AeronTransport.STREAM_ID)) {
            await("the intruder's publication to connect", 5_000, publication::isConnected);
            long droppedBefore = transports[0].droppedMessages();
            byte[] small = new byte[100];
            small[0] = Wire.DATA;
            byte[] large = new byte[200_000];
            large[0] = Wire.DATA_FIRST;
            for (byte[] message : new byte[][] {small, large}) {
                org.agrona.concurrent.UnsafeBuffer buffer = new org.agrona.concurrent.UnsafeBuffer(message);
                await("the offer to succeed", 5_000, () -> publication.offer(buffer) > 0);
            }
            int fragments = (200_000 + 1375) / 1376;   // 1376 payload bytes per 1408-byte datagram
            await("every fragment to be dropped", 5_000,
                () -> transports[0].droppedMessages() - droppedBefore >= 1 + fragments);
            assertEquals(1 + fragments, transports[0].droppedMessages() - droppedBefore, "dropped messages");
        } finally {
            org.agrona.IoUtil.delete(dir, true);
        }
        transports[1].send(0, ByteBuffer.allocate(10));
        await("the honest frame", 5_000, () -> recorders[0].count(1) == 1);
        assertEquals(0, recorders[0].frames.get(0).size(), "a frame from the intruder was delivered");
    }

    private static AeronSettings withMaxFrameBytes(AeronSettings s, int maxFrameBytes) {
        return new AeronSettings(s.rank(), s.size(), s.jobId(), s.peers(), s.secret(), s.protocolVersion(), s.buildId(),
            s.mtuBytes(), s.termBytes(), maxFrameBytes, s.heartbeatNs(), s.heartbeatTimeoutNs(), s.connectTimeoutNs(),
            s.closeLingerNs(), s.maxIdleParkNs(), s.aeronDirRoot(), s.sharedDir(), s.ipcRanks());
    }

    @Test
    void shouldDropAWholeFrameAboveTheReceiversCap() throws Exception {
        AeronSettings[] settings = AeronTestJobs.settings(2);
        int cap = 1 << 20;
        AeronTransport[] transports = {open(withMaxFrameBytes(settings[0], cap)), open(settings[1])};
        Recorder[] recorders = start(transports);
        // under the sender's cap and its publication's largest message: one whole DATA message, above the receiver's cap
        transports[1].send(0, ByteBuffer.allocate(cap + 1_000));
        transports[1].send(0, ByteBuffer.allocate(10));
        await("the frame under the cap", 5_000, () -> recorders[0].frames.get(1).stream().anyMatch(f -> f.length == 10));
        assertEquals(List.of(10), recorders[0].frames.get(1).stream().map(f -> f.length).toList(), "frames delivered");
        assertEquals(1, transports[0].droppedMessages(), "dropped messages");
    }

    @Test
    void shouldDropAFirstPieceTooShortToHoldItsLength() throws Exception {
        AeronSettings[] settings = AeronTestJobs.settings(2);
        AeronTransport[] transports = {open(settings[0]), open(settings[1])};
        Recorder[] recorders = start(transports);
        java.lang.reflect.Field peers = AeronTransport.class.getDeclaredField("peers");
        peers.setAccessible(true);
        io.aeron.Publication authenticated = ((Peer[]) peers.get(transports[1]))[0].publication;
        for (int length = 1; length < 5; length++) {
            byte[] piece = new byte[length];
            piece[0] = Wire.DATA_FIRST;
            org.agrona.concurrent.UnsafeBuffer message = new org.agrona.concurrent.UnsafeBuffer(piece);
            await("the offer to succeed", 5_000, () -> authenticated.offer(message) > 0);
        }
        transports[1].send(0, ByteBuffer.allocate(10));
        await("the frame after the short pieces", 5_000, () -> recorders[0].count(1) == 1);
        assertEquals(4, transports[0].droppedMessages(), "dropped messages");
        assertEquals(0, transports[0].errors(), "errors");
    }

    @Test
    void shouldRejectPeerWithoutSecret() {
        AeronSettings[] settings = AeronTestJobs.settings(2);
        AeronTransport honest = open(settings[0].withTimeouts(200, 1_000, 1_500));
        AeronTransport anonymous = open(settings[1].withSecret(new byte[0]).withTimeouts(200, 1_000, 1_500));
        await("the missing secret to be rejected", 1_000, () -> honest.rejectedPeers() > 0);
        TransportException thrown = assertThrows(TransportException.class, anonymous::awaitConnected);
        assertTrue(thrown.getMessage().contains("failed authentication"), thrown.getMessage());
    }

    @Test
    void shouldNameAFailedAuthenticationWhenTheConnectTimeoutExpires() throws Exception {
        AeronSettings[] settings = AeronTestJobs.settings(2);
        AeronTransport honest;
        byte[] nonce = new byte[Wire.NONCE_BYTES];
        // the forger listens where rank 1 (which never starts) would, and learns the honest rank's nonce
        try (Outsider forger = new Outsider(settings[0])) {
            io.aeron.Subscription listening = forger.listen(settings[0].peers().get(1).getPort());
            honest = open(settings[0].withTimeouts(200, 1_000, 1_500));
            java.util.concurrent.atomic.AtomicBoolean heard = new java.util.concurrent.atomic.AtomicBoolean();
            await("the honest rank's HELLO", 5_000, () -> {
                listening.poll((buffer, offset, length, header) -> {
                    if (buffer.getByte(offset) == Wire.HELLO) {
                        buffer.getBytes(offset + 21, nonce);
                        heard.set(true);
                    }
                }, 10);
                return heard.get();
            });
            io.aeron.ExclusivePublication publication = forger.publication(settings[0].peers().get(0).getPort());
            // an AUTH that claims rank 1 and answers the honest rank's nonce with a proof made without the secret
            org.agrona.concurrent.UnsafeBuffer auth = new org.agrona.concurrent.UnsafeBuffer(new byte[Wire.AUTH_BYTES]);
            auth.putByte(0, Wire.AUTH);
            auth.putLong(1, settings[0].jobId(), Wire.ORDER);
            auth.putInt(9, 1, Wire.ORDER);
            auth.putBytes(13, nonce);
            Outsider.send(publication, auth.byteArray());
            await("the forged proof to be rejected", 5_000, () -> honest.rejectedPeers() == 1);
            TransportException thrown = assertThrows(TransportException.class, honest::awaitConnected);
            assertEquals("rank 1 not reachable at 127.0.0.1:" + settings[0].peers().get(1).getPort()
                + ": no handshake within 1500 ms; a peer claiming to be rank 1 failed authentication (wrong or missing"
                + " BIND_SECRET)", thrown.getMessage());
        }
    }

    @Test
    void shouldConnectWithoutSecretWhenNoRankHasOne() throws Exception {
        AeronSettings[] settings = AeronTestJobs.settings(2);
        AeronTransport[] transports = {open(settings[0].withSecret(new byte[0])), open(settings[1].withSecret(new byte[0]))};
        Recorder[] recorders = start(transports);
        transports[0].send(1, ByteBuffer.allocate(100));
        await("a frame", 5_000, () -> recorders[1].count(0) == 1);
    }

    @Test
    void shouldRefusePeerOfAnotherBuildAtTheConnectTimeoutNamingTheMismatch() {
        AeronSettings[] settings = AeronTestJobs.settings(2);
        AeronTransport current = open(settings[0].withTimeouts(200, 1_000, 1_500));
        AeronTransport other = open(settings[1].withIdentity(AeronSettings.PROTOCOL_VERSION, "other-build")
            .withTimeouts(200, 1_000, 1_500));
        TransportException thrown = assertThrows(TransportException.class, current::awaitConnected);
        assertTrue(thrown.getMessage().endsWith(": no handshake within 1500 ms; protocol mismatch: a peer claiming to be"
            + " rank 1 speaks protocol " + AeronSettings.PROTOCOL_VERSION + "/1 build other-build, rank 0 speaks protocol "
            + AeronSettings.PROTOCOL_VERSION + "/1 build " + settings[0].buildId()), thrown.getMessage());
        TransportException seen = assertThrows(TransportException.class, other::awaitConnected);
        assertTrue(seen.getMessage().contains("; protocol mismatch: a peer claiming to be rank 0 speaks protocol "),
            seen.getMessage());
    }

    @Test
    void shouldRefusePeerOfAnotherProtocolVersion() {
        AeronSettings[] settings = AeronTestJobs.settings(2);
        AeronTransport current = open(settings[0].withTimeouts(200, 1_000, 1_500));
        open(settings[1].withIdentity((short) (AeronSettings.PROTOCOL_VERSION + 1), settings[1].buildId())
            .withTimeouts(200, 1_000, 1_500));
        TransportException thrown = assertThrows(TransportException.class, current::awaitConnected);
        assertTrue(thrown.getMessage().contains("; protocol mismatch: a peer claiming to be rank 1 speaks protocol "
            + (AeronSettings.PROTOCOL_VERSION + 1) + "/"), thrown.getMessage());
    }

    @Test
    void shouldReportUnreachablePeerAfterConnectTimeout() {
        AeronSettings[] settings = AeronTestJobs.settings(2);
        AeronTransport alone = open(settings[0].withTimeouts(200, 1_000, 1_000));
        TransportException thrown = assertThrows(TransportException.class, alone::awaitConnected);
        assertTrue(thrown.getMessage().startsWith("rank 1 not reachable at 127.0.0.1:" + settings[1].peers().get(1).getPort()),
            thrown.getMessage());
    }
}
