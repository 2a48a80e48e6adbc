package org.bind.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bind.mpi.aeron.AeronSettings;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A process that joins a 3-process job with another secret than the job's ({@link WrongSecretProgram}). Nothing a
 * session that has not proved the secret sends may stop a rank (else an outsider could stop any job at start-up), so
 * no rank is told "rejected": every rank fails at its own connect timeout (plus 1 s at most), the intruder with a
 * message that names the failed authentication of the honest ranks' proofs, each honest rank naming the intruder's
 * failed proof (or, when the intruder gave up before its proof reached it, the plain connect timeout). No rank
 * joins; the launcher exits non-zero and nothing is left.
 */
@Tag("cluster")
@ExtendWith(DumpJobsOnTimeout.class)
class WrongSecretTest {
    private static final int RANKS = 3;
    /** Slack before the connect timeout: the ranks start a few hundred ms apart. */
    private static final long REJECT_LIMIT_MS = 1_000;
    /**
     * Slack after it: the wait is measured from before {@code Bind.init} (agent, class loading), the connect timeout
     * from the transport's start, seconds later on a loaded machine.
     */
    private static final long START_SLACK_MS = 3_000;
    /** Long enough that the intruder, which starts last, meets the others before they give up on a loaded host. */
    private static final long CONNECT_TIMEOUT_MS = 15_000;
    private static final Pattern STAMPED = Pattern.compile(
        "^\\[rank (\\d+)] rank \\1 (joining|listening|refused) at (\\d+)(: .*)?$");

    @ParameterizedTest(name = "rank {0} of 3 with a wrong secret")
    @ValueSource(ints = {0, 2})
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void shouldRefuseARankWithAnotherSecretAtTheConnectTimeout(int intruder) throws Exception {
        // a rank with another secret comes from elsewhere: the job's ranks are on UDP, as between hosts
        String ipc = ClusterJob.useUdp();
        ClusterJob job;
        int status;
        try {
            job = ClusterJob.start(RANKS, List.of("-J-D" + RankLossTest.property(AeronSettings.CONNECT_TIMEOUT_ENV)
                + "=" + CONNECT_TIMEOUT_MS), WrongSecretProgram.class, Integer.toString(intruder));
            status = job.await(Duration.ofSeconds(60));
        } finally {
            ClusterJob.restoreIpc(ipc);
        }
        String report = job.report();
        Map<String, Long> stamps = new TreeMap<>();
        Map<Integer, String> refusals = new TreeMap<>();
        for (Lines.Line line : job.out.lines()) {
            Matcher m = STAMPED.matcher(line.text());
            if (m.matches()) {
                stamps.put(m.group(2) + " " + m.group(1), Long.parseLong(m.group(3)));
                if (m.group(2).equals("refused")) {
                    refusals.put(Integer.parseInt(m.group(1)), m.group(4).substring(2));
                }
            }
        }
        assertEquals(List.of(0, 1, 2), List.copyOf(refusals.keySet()), () -> "ranks refused: " + report);
        assertFalse(job.out.text().contains(" joined"), () -> "a rank joined: " + report);
        List<Long> waitedMs = new ArrayList<>();
        String failedProof = "; a peer claiming to be rank %d failed authentication (wrong or missing BIND_SECRET)";
        for (int rank = 0; rank < RANKS; rank++) {
            int r = rank;
            String reason = refusals.get(r);
            long waited = stamps.get("refused " + r) - stamps.get("joining " + r);
            waitedMs.add(waited);
            String timeout = ": no handshake within " + CONNECT_TIMEOUT_MS + " ms";
            if (r == intruder) {
                assertTrue(reason.matches("rank \\d not reachable at \\S+" + Pattern.quote(timeout)
                    + "(; a peer claiming to be rank \\d failed authentication \\(wrong or missing BIND_SECRET\\))?"),
                    () -> "the intruder's reason: " + report);
            } else {
                assertTrue(reason.startsWith("rank " + intruder + " not reachable at ")
                    && (reason.endsWith(timeout + String.format(failedProof, intruder)) || reason.endsWith(timeout)),
                    () -> "rank " + r + "'s reason: " + report);
            }
            assertTrue(waited >= CONNECT_TIMEOUT_MS - REJECT_LIMIT_MS, () -> "rank " + r + " refused after " + waited
                + " ms, before its connect timeout: something made it give up early: " + report);
            assertTrue(waited <= CONNECT_TIMEOUT_MS + START_SLACK_MS, () -> "rank " + r + " waited " + waited
                + " ms, over the connect timeout: " + report);
        }
        assertTrue(refusals.values().stream().anyMatch(reason -> reason.contains("failed authentication")),
            () -> "no rank named the failed authentication: " + report);
        assertEquals(1, status, () -> "launcher status: " + report);
        ClusterJob.assertNothingLeft(job.ranks(), "wrong secret on rank " + intruder);
        System.out.println("wrong secret on rank " + intruder + ": ranks refused after " + waitedMs + " ms: "
            + refusals);
    }
}
