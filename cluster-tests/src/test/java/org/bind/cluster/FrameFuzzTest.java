package org.bind.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.bind.Bind;
import org.bind.mpi.aeron.AeronSettings;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The frame fuzzer against real rank processes ({@link FrameFuzzProgram}): a 3-process job in which a seeded
 * rank is a fuzzer that joined with the job's secret, and the two others run a Bind program with transfers between
 * them, on a 64 MiB heap with a 1 MiB frame cap (transport) and version cap (runtime). The fuzzer sends them
 * transport-level and runtime-level garbage (random, truncated, oversized lengths up to 2^31-1, bad magic,
 * protocol, type, job id, versions and control frames of an epoch that is over) and, from an outsider's session,
 * a forged proof and data. The job runs once ({@code -Dbind.test.seed=S} replays a seed); each test checks one
 * promise against its output.
 */
@Tag("cluster")
@ExtendWith(DumpJobsOnTimeout.class)
class FrameFuzzTest {
    private static final int RANKS = 3;
    private static final int RANDOM_PER_EPOCH = 1_500;
    private static final int CAP_BYTES = 1 << 20;
    private static final long POLLER_LIMIT_BYTES = 32L << 20;
    private static final long REJECT_LIMIT_MS = 1_000;
    private static final Pattern VICTIM = Pattern.compile(
        "^\\[rank (\\d)] rank \\1 epoch (\\d+) (ok|WRONG) transport=(\\d+) runtime=(\\d+) rejected=(\\d+)$");
    private static final Pattern EXPECTED = Pattern.compile(
        "^\\[rank \\d] fuzzer to rank (\\d) epoch (\\d+) sent \\d+ expects transport=(\\d+) runtime=(\\d+)"
            + " rejected=(\\d+)$");
    private static final Pattern MEMORY = Pattern.compile(
        "^\\[rank (\\d)] rank \\1 largest allocation per frame (\\d+) \\(a frame of \\d+ bytes\\), in epochs 0 and 1"
            + " \\d+, poller allocated (\\d+) errors (\\d+)$");

    private static long seed;
    private static int fuzzer;
    private static ClusterJob job;
    private static int status;
    /** [rank][epoch]: counted by the rank, and what the fuzzer sent it ({transport, runtime, rejected}). */
    private static long[][][] counted;
    private static long[][][] expected;

    @BeforeAll
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    static void runTheJob() throws Exception {
        String replay = System.getProperty("bind.test.seed");
        seed = replay == null || replay.isBlank() ? new Random().nextLong() : Long.parseLong(replay.trim());
        fuzzer = new Random(seed).nextInt(RANKS);
        // the fuzzer speaks the wire protocol to the others' UDP endpoints, as a rank on another host would
        String ipc = ClusterJob.useUdp();
        job = ClusterJob.start(RANKS, List.of("-J-Xmx64m",
                "-J-D" + RankLossTest.property(AeronSettings.MAX_FRAME_ENV) + "=" + CAP_BYTES,
                "-J-D" + Bind.Context.MAX_VERSION_BYTES_PROP_NAME + "=" + CAP_BYTES,
                "-J-D" + Bind.Context.CHUNK_BYTES_PROP_NAME + "=" + (64 << 10)),
            FrameFuzzProgram.class, Long.toString(seed), Integer.toString(fuzzer), Integer.toString(RANDOM_PER_EPOCH));
        try {
            status = job.await(Duration.ofSeconds(120));
        } finally {
            ClusterJob.restoreIpc(ipc);
        }
        counted = new long[RANKS][FrameFuzzProgram.EPOCHS + 1][];
        expected = new long[RANKS][FrameFuzzProgram.EPOCHS + 1][];
        for (Lines.Line line : job.out.lines()) {
            Matcher m = VICTIM.matcher(line.text());
            if (m.matches()) {
                counted[Integer.parseInt(m.group(1))][Integer.parseInt(m.group(2))] = new long[] {
                    Long.parseLong(m.group(4)), Long.parseLong(m.group(5)), Long.parseLong(m.group(6))};
            }
            m = EXPECTED.matcher(line.text());
            if (m.matches()) {
                expected[Integer.parseInt(m.group(1))][Integer.parseInt(m.group(2))] = new long[] {
                    Long.parseLong(m.group(3)), Long.parseLong(m.group(4)), Long.parseLong(m.group(5))};
            }
        }
        System.out.println("frame fuzzer: " + what() + ", launcher status " + status);
    }

    private static String what() {
        return "seed " + seed + " (replay with -Dbind.test.seed=" + seed + "), fuzzer on rank " + fuzzer;
    }

    /** The job's output without the ranks' one-line reports of each dropped frame (thousands), which it counts. */
    private static String report() {
        String marker = " dropped a frame from rank ";
        String full = job.report();
        return what() + "\n" + full.lines().filter(l -> !l.contains(marker)).collect(Collectors.joining("\n"))
            + "\n(and " + full.lines().filter(l -> l.contains(marker)).count() + " lines '..." + marker + "...')";
    }

    private static List<Integer> victims() {
        List<Integer> victims = new ArrayList<>();
        for (int r = 0; r < RANKS; r++) {
            if (r != fuzzer) {
                victims.add(r);
            }
        }
        return victims;
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldCompleteTheJobWithTheRightResultsWhateverItReceives() throws Exception {
        assertEquals(0, status, () -> "launcher status: " + report());
        for (int rank : victims()) {
            for (int epoch = 0; epoch < FrameFuzzProgram.EPOCHS; epoch++) {
                String line = "[rank " + rank + "] rank " + rank + " epoch " + epoch + " ok ";
                assertTrue(job.out.first(l -> l.startsWith(line)).isPresent(), () -> "missing '" + line + "': " + report());
            }
        }
        assertTrue(job.out.first(l -> l.equals("[rank " + fuzzer + "] fuzzer done")).isPresent(), FrameFuzzTest::report);
        ClusterJob.assertNothingLeft(job.ranks(), what());
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldDropAndCountEveryBadMessageAndFrame() {
        for (int rank : victims()) {
            for (int e = 0; e < FrameFuzzProgram.EPOCHS - 1; e++) {
                int epoch = e;
                long[] got = counted[rank][epoch];
                long[] sent = expected[rank][epoch];
                String where = "rank " + rank + " after epoch " + epoch;
                assertNotNull(got, () -> where + " did not report its counters: " + report());
                assertNotNull(sent, () -> "the fuzzer did not report epoch " + epoch + " for rank " + rank + ": "
                    + report());
                assertEquals(sent[1], got[1], () -> where + ": frames dropped by the runtime: " + report());
                if (epoch > 0) {   // the outsider's session is not ordered with the fuzzer's: counted by epoch 1
                    assertEquals(sent[0], got[0], () -> where + ": messages dropped by the transport: " + report());
                    assertEquals(sent[2], got[2], () -> where + ": proofs rejected: " + report());
                }
            }
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldNotAllocateAboveTheCapNorFail() {
        String all = job.out.text() + job.err.text();
        assertFalse(all.contains("OutOfMemoryError"), () -> "out of memory: " + report());
        assertFalse(all.contains("failed to handle a frame") || all.contains("Aeron error"), () -> "errors: " + report());
        for (int rank : victims()) {
            String tag = "[rank " + rank + "] ";
            Matcher m = job.out.first(l -> l.startsWith(tag) && MEMORY.matcher(l).matches())
                .map(l -> MEMORY.matcher(l.text())).orElseThrow(() -> new AssertionError("rank " + rank
                    + " did not report its allocations: " + report()));
            assertTrue(m.matches());
            long perFrame = Long.parseLong(m.group(2));
            long poller = Long.parseLong(m.group(3));
            assertTrue(perFrame < CAP_BYTES, () -> "rank " + rank + " allocated " + perFrame
                + " bytes handling one frame (after epoch 1), over the cap of " + CAP_BYTES + ": " + report());
            assertTrue(poller < POLLER_LIMIT_BYTES, () -> "rank " + rank + "'s polling thread allocated " + poller
                + " bytes; a 48 MiB claim was honoured? " + report());
            assertEquals("0", m.group(4), () -> "rank " + rank + "'s transport errors: " + report());
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldRejectAnOutsidersProofWithinOneSecond() {
        for (int rank : victims()) {
            String forged = "[rank " + fuzzer + "] fuzzer forged a proof to rank " + rank + " at ";
            String rejected = "[rank " + rank + "] rank " + rank + " rejected a proof at ";
            long sentMs = job.out.first(l -> l.startsWith(forged))
                .map(l -> Long.parseLong(l.text().substring(forged.length())))
                .orElseThrow(() -> new AssertionError("no forged proof to rank " + rank + ": " + report()));
            long rejectedMs = job.out.first(l -> l.startsWith(rejected))
                .map(l -> Long.parseLong(l.text().substring(rejected.length())))
                .orElseThrow(() -> new AssertionError("rank " + rank + " never rejected a proof: " + report()));
            assertTrue(rejectedMs - sentMs <= REJECT_LIMIT_MS, () -> "rank " + rank + " rejected the proof "
                + (rejectedMs - sentMs) + " ms after it was sent: " + report());
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldDropAndCountControlFramesOfAStaleEpoch() {
        int last = FrameFuzzProgram.EPOCHS - 1;
        for (int rank : victims()) {
            long[] before = counted[rank][last - 1];
            long[] after = counted[rank][last];
            long sent = expected[rank][last][1] - expected[rank][last - 1][1];
            assertEquals(sent, after[1] - before[1], () -> "well-formed SYNC, FAILURE and DETAIL frames of epoch 0,"
                + " received in epoch " + last + ", dropped by rank " + rank + ": " + report());
        }
    }
}
