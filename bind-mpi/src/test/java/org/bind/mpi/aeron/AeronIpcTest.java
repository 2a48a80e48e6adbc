package org.bind.mpi.aeron;

import static org.bind.mpi.TransportContractTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.bind.mpi.TransportContractTest.Recorder;
import org.bind.transport.TransportException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Ranks of one host over Aeron IPC, clients of one shared media driver: frames intact, and what happens when a rank or
 * the driver goes. Every wait is bounded and dumps every thread's stack when it times out.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AeronIpcTest {
    private static final int MIB = 1 << 20;
    private AeronTestJobs.IpcJob ipcJob;

    @AfterEach
    void closeAll() {
        if (ipcJob != null) {
            ipcJob.close();
        }
    }

    private Recorder[] startJob(int size, AeronSettings[] jobSettings) throws Exception {
        ipcJob = new AeronTestJobs.IpcJob(jobSettings);
        AeronTransport[] transports = new AeronTransport[size];
        for (int r = 0; r < size; r++) {
            transports[r] = ipcJob.open(r);
        }
        Recorder[] recorders = new Recorder[size];
        List<Thread> starters = new ArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        for (int r = 0; r < size; r++) {
            recorders[r] = new Recorder(size);
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
            starter.join(30_000);
        }
        assertTrue(failures.isEmpty(), () -> "start failed: " + failures);
        return recorders;
    }

    /** Sends 1 MiB frames to {@code to} until a send fails; the failure, in {@code failures}. */
    private static Thread flood(AeronTransport from, int to, List<Throwable> failures) {
        Thread sender = new Thread(() -> {
            try {
                while (true) {
                    from.send(to, ByteBuffer.allocate(MIB));
                }
            } catch (Throwable t) {
                failures.add(t);
            }
        }, "flood-" + from.rank() + "-" + to);
        sender.setDaemon(true);
        sender.start();
        return sender;
    }

    @Test
    void shouldCarryFramesIntactBetweenClientsOfTheSharedDriver() throws Exception {
        Recorder[] recorders = startJob(2, AeronTestJobs.settings(2));
        byte[] big = new byte[9 * MIB + 1];   // more than one Aeron message, one byte into the last piece
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31 + (i >>> 13));
        }
        ipcJob.opened.get(0).send(1, ByteBuffer.wrap(big));
        ipcJob.opened.get(1).send(0, ByteBuffer.wrap(big, 5, 77));
        await("both frames", 30_000, () -> recorders[1].count(0) == 1 && recorders[0].count(1) == 1);
        assertTrue(java.util.Arrays.equals(big, recorders[1].frames.get(0).peek()), "the 9 MiB frame differs");
        assertTrue(java.util.Arrays.equals(java.util.Arrays.copyOfRange(big, 5, 82),
            recorders[0].frames.get(1).peek()), "the 77-byte frame differs");
        assertTrue(!ipcJob.opened.get(0).settings().aeronDir().exists()
            && !ipcJob.opened.get(1).settings().aeronDir().exists(),
            "a client of the shared driver made a directory of its own");
    }

    /**
     * A rank that dies while its peer pushes 1 MiB frames at it: the peer's blocked send fails naming it, and both
     * survivors report it lost.
     */
    @Test
    void shouldReportARankThatDiesInTheMiddleOfALargeTransfer() throws Exception {
        AeronSettings[] job = AeronTestJobs.settings(3);
        for (int r = 0; r < job.length; r++) {
            job[r] = job[r].withTimeouts(200, 1_000, 10_000);
        }
        Recorder[] recorders = startJob(3, job);
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        Thread sender = flood(ipcJob.opened.get(0), 2, failures);
        await("frames flowing", 30_000, () -> recorders[2].count(0) >= 4);
        ipcJob.opened.get(2).crash();
        await("rank 2 reported lost by ranks 0 and 1", 30_000,
            () -> !recorders[0].lost.isEmpty() && !recorders[1].lost.isEmpty());
        await("the flood to end", 30_000, () -> !sender.isAlive());   // dumps every stack if it does not
        assertEquals(List.of("2: no heartbeat for 1000 ms"), recorders[0].lost);
        assertEquals(List.of("2: no heartbeat for 1000 ms"), recorders[1].lost);
        assertEquals(1, failures.size(), () -> "the flood did not end with one failure: " + failures);
        assertTrue(failures.get(0) instanceof TransportException
            && failures.get(0).getMessage().startsWith("rank 2 lost"), () -> "unexpected: " + failures.get(0));
    }

    /**
     * The shared driver stops (its launcher died) while a rank pushes frames: every rank reports every peer lost,
     * naming the driver, within Aeron's driver timeout (10 s) and before its heartbeat timeout (the default, 5 s,
     * after that) could speak; the blocked send fails; nothing hangs.
     */
    @Test
    void shouldLoseEveryPeerWhenTheSharedDriverStops() throws Exception {
        Recorder[] recorders = startJob(3, AeronTestJobs.settings(3));
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        Thread sender = flood(ipcJob.opened.get(0), 1, failures);
        await("frames flowing", 30_000, () -> recorders[1].count(0) >= 4);
        ipcJob.driver.close();
        await("every rank to report both peers lost", 60_000, () -> {
            for (Recorder recorder : recorders) {
                if (recorder.lost.size() < 2) {
                    return false;
                }
            }
            return true;
        });
        String driverGone = "the media driver in " + ipcJob.settings[0].jobSharedDir() + " stopped responding";
        for (int r = 0; r < recorders.length; r++) {
            for (String lost : recorders[r].lost) {
                assertTrue(lost.contains(driverGone),
                    "rank " + r + " reported " + lost);
            }
        }
        await("the flood to end", 30_000, () -> !sender.isAlive());   // dumps every stack if it does not
        assertEquals(1, failures.size(), () -> "the flood did not end with one failure: " + failures);
        assertTrue(failures.get(0).getMessage().contains("media driver")
            || failures.get(0).getMessage().contains("is closed"), () -> "unexpected: " + failures.get(0));
    }
}
