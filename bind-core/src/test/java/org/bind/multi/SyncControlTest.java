package org.bind.multi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.bind.Bind;
import org.bind.transport.Frames;
import org.bind.transport.Messages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The control fields of {@code SYNC} are checked before a rank waits on them, and a rank that waits long in
 * {@code sync()} says for whom.
 */
@ExtendWith(DumpThreadsOnTimeout.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SyncControlTest {
    private static final long JOB_TIMEOUT_S = 30;

    private static ByteBuffer sync(long jobId, long epoch, int from, Messages.Sync sync) {
        ByteBuffer payload = Messages.encode(sync);
        int length = payload.remaining();
        ByteBuffer frame = Frames.allocate(Frames.SYNC, jobId, epoch, from, -1, 0, 0, 1, length, length);
        frame.put(frame.position(), payload, payload.position(), length);
        frame.position(0);
        return frame;
    }

    @Test
    void shouldDropASyncThatClaimsMoreFailuresThanOps() {
        Traffic[] traffic = new Traffic[2];
        WatchedJob.run(2, Bind.Context::new, JOB_TIMEOUT_S, (bind, job) -> {
            if (bind.rank() == 1) {
                job.sendRaw(1, 0, sync(job.jobId(), 0, 1, new Messages.Sync(5, 0, Integer.MAX_VALUE, new long[0])));
                job.sendRaw(1, 0, sync(job.jobId(), 0, 1, new Messages.Sync(-1, 0, 0, new long[0])));
                job.sendRaw(1, 0, sync(job.jobId(), 0, 1, new Messages.Sync(3, 0, -2, new long[0])));
            }
            bind.sync();
            traffic[bind.rank()] = Traffic.of(bind);
        });
        assertEquals(3, traffic[0].framesDropped(), "invalid SYNC frames dropped by rank 0");
        assertEquals(0, traffic[1].framesDropped(), "frames dropped by rank 1");
    }

    @Test
    void shouldSayWhichRankASyncWaitsForOnceItHasWaitedLong() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.err;
        CountDownLatch warned = new CountDownLatch(1);
        String expected = "bind: rank 0 has waited ";
        String tail = " in sync() of epoch 0 for rank 1 (no SYNC yet: still running ops, or stuck)";
        PrintStream tee = new PrintStream(new OutputStream() {
            @Override
            public synchronized void write(int b) {
                original.write(b);
                captured.write(b);
                String text = captured.toString(StandardCharsets.UTF_8);
                if (text.contains(expected) && text.contains(tail)) {
                    warned.countDown();
                }
            }
        }, true, StandardCharsets.UTF_8);
        System.setProperty("bind.sync.warn.ms", "100");
        System.setErr(tee);
        try {
            WatchedJob.run(2, Bind.Context::new, JOB_TIMEOUT_S, (bind, job) -> {
                if (bind.rank() == 1) {
                    assertTrue(warned.await(20, TimeUnit.SECONDS), "rank 0 never said it waits for rank 1");
                }
                bind.sync();
            });
        } finally {
            System.setErr(original);
            System.clearProperty("bind.sync.warn.ms");
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        assertTrue(text.lines().anyMatch(l -> l.matches("bind: rank 0 has waited \\d+ ms in sync\\(\\) of epoch 0 for"
            + " rank 1 \\(no SYNC yet: still running ops, or stuck\\)")), text);
    }
}
