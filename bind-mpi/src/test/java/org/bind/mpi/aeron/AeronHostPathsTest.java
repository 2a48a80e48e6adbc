package org.bind.mpi.aeron;

import static org.bind.mpi.TransportContractTest.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.agrona.IoUtil;
import org.bind.mpi.TransportContractTest.Recorder;
import org.bind.transport.TransportException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Four ranks placed two per host ({@link HostPlacement}): the ranks of each "host" share a media driver process
 * ({@link HostDriver}, as under {@code --machines}) and reach each other over IPC, the others over UDP on loopback.
 * Frames arrive intact on both paths, each rank reports the path it takes, a killed driver makes every peer of its
 * ranks lost, and nothing is left. Every wait is bounded and dumps every thread's stack when it times out.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AeronHostPathsTest {
    private static final int SIZE = 4;
    private static final HostPlacement PLACEMENT = new HostPlacement(List.of(0, 0, 1, 1));
    private final List<AeronTransport> opened = new ArrayList<>();
    private final List<Process> drivers = new ArrayList<>();
    private AeronSettings[] settings;

    @AfterEach
    void closeAll() {
        opened.forEach(AeronTransport::close);
        drivers.forEach(Process::destroyForcibly);
        if (settings != null) {
            IoUtil.delete(settings[0].hostSharedDir(0), true);
            IoUtil.delete(settings[0].hostSharedDir(1), true);
        }
    }

    /** Starts both hosts' drivers and the four ranks' transports, as {@code AeronOverMpj} does; does not start them. */
    private AeronTransport[] createJob() {
        AeronSettings[] base = AeronTestJobs.settings(SIZE);
        settings = new AeronSettings[SIZE];
        for (int host = 0; host < 2; host++) {
            Set<Integer> ranks = PLACEMENT.sameHost(2 * host);
            drivers.add(HostDriver.start(base[0].hostSharedDir(host), ranks, base[2 * host], List.of()));
        }
        AeronTransport[] transports = new AeronTransport[SIZE];
        for (int r = 0; r < SIZE; r++) {
            File dir = base[r].hostSharedDir(PLACEMENT.hostOf(r));
            HostDriver share = HostDriver.attach(dir, r, drivers.get(PLACEMENT.hostOf(r)), TimeUnit.SECONDS.toNanos(60));
            settings[r] = base[r].withSharedDir(dir.getPath(), PLACEMENT.sameHost(r));
            transports[r] = new AeronTransport(settings[r], share);
            opened.add(transports[r]);
        }
        return transports;
    }

    /** {@link #createJob}, then starts every rank and waits for every handshake. */
    private Recorder[] startJob() throws Exception {
        AeronTransport[] transports = createJob();
        Recorder[] recorders = new Recorder[SIZE];
        List<Thread> starters = new ArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        for (int r = 0; r < SIZE; r++) {
            recorders[r] = new Recorder(SIZE);
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
            starter.join(60_000);
        }
        assertTrue(failures.isEmpty(), () -> "start failed: " + failures);
        return recorders;
    }

    @Test
    void shouldMoveFramesOverIpcWithinAHostAndUdpAcrossHosts() throws Exception {
        Recorder[] recorders = startJob();
        for (int r = 0; r < SIZE; r++) {
            for (int s = 0; s < SIZE; s++) {
                if (s != r) {
                    String expected = PLACEMENT.hostOf(r) == PLACEMENT.hostOf(s) ? "ipc" : "udp";
                    assertEquals(expected, opened.get(r).path(s), "path from rank " + r + " to rank " + s);
                    byte[] frame = new byte[3 << 20];   // several pieces
                    for (int i = 0; i < frame.length; i++) {
                        frame[i] = (byte) (i * 31 + r * 7 + s);
                    }
                    opened.get(r).send(s, ByteBuffer.wrap(frame));
                }
            }
        }
        for (int s = 0; s < SIZE; s++) {
            Recorder recorder = recorders[s];
            for (int r = 0; r < SIZE; r++) {
                if (r == s) {
                    continue;
                }
                int from = r;
                await("rank " + s + " to get rank " + r + "'s frame", 60_000, () -> !recorder.frames.get(from).isEmpty());
                byte[] got = recorder.frames.get(r).poll();
                byte[] expected = new byte[3 << 20];
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = (byte) (i * 31 + r * 7 + s);
                }
                assertArrayEquals(expected, got, "frame from rank " + r + " to rank " + s);
            }
        }
        opened.forEach(AeronTransport::close);
        for (int host = 0; host < 2; host++) {
            assertTrue(drivers.get(host).waitFor(10, TimeUnit.SECONDS), "driver of host " + host + " still runs");
            assertEquals(0, drivers.get(host).exitValue(), "driver of host " + host);
            assertFalse(settings[0].hostSharedDir(host).exists(), "directory of host " + host + "'s driver left");
        }
    }

    @Test
    void shouldFailTheHandshakeNamingTheDriverWhenItIsKilledBefore() throws Exception {
        AeronTransport[] transports = createJob();
        drivers.get(1).destroyForcibly();
        drivers.get(1).waitFor();
        TransportException failure = assertThrows(TransportException.class,
            () -> transports[3].start(new Recorder(SIZE)));
        assertTrue(failure.getMessage().contains("media driver of this host's ranks"), failure::getMessage);
    }

    @Test
    void shouldLoseEveryPeerOfTheRanksOfAHostWhoseDriverIsKilled() throws Exception {
        Recorder[] recorders = startJob();
        drivers.get(1).destroyForcibly();
        for (int r : new int[] {2, 3}) {
            Recorder recorder = recorders[r];
            await("rank " + r + " to lose its three peers", 30_000, () -> recorder.lost.size() == SIZE - 1);
            assertTrue(recorder.lost.stream().allMatch(l -> l.contains("media driver of this host's ranks")),
                () -> "rank " + r + ": " + recorder.lost);
        }
        for (int r : new int[] {0, 1}) {
            Recorder recorder = recorders[r];
            await("rank " + r + " to lose ranks 2 and 3", 30_000, () -> recorder.lost.size() == 2);
        }
        assertFalse(settings[0].hostSharedDir(1).exists(), "directory of the killed driver left");
    }
}
