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
 * A process that joins a 3-process job with another secret than the job's ({@link WrongSecretProgram}): the
 * handshake refuses it within 1 s of its transport listening (the requirement), with a message that names the
 * authentication failure. A job cannot run without one of its ranks, so every honest rank fails too, in one of the
 * two ways the handshake allows (an honest rank keeps waiting for the real rank after refusing a proof, so that a
 * forged proof cannot stop a job): at once, when the intruder's own refusal of the honest rank's proof reaches it
 * before the intruder exits ("rank i rejected rank r: authentication failed"), or at its connect timeout, with a
 * message that names the failed authentication. The launcher exits non-zero and nothing is left.
 */
@Tag("cluster")
@ExtendWith(DumpJobsOnTimeout.class)
class WrongSecretTest {
    private static final int RANKS = 3;
    private static final long REJECT_LIMIT_MS = 1_000;
    private static final long CONNECT_TIMEOUT_MS = 6_000;
    private static final String AUTHENTICATION_FAILED = "authentication failed (wrong or missing BIND_SECRET)";
    private static final Pattern STAMPED = Pattern.compile(
        "^\\[rank (\\d+)] rank \\1 (joining|listening|refused) at (\\d+)(: .*)?$");

    @ParameterizedTest(name = "rank {0} of 3 with a wrong secret")
    @ValueSource(ints = {0, 2})
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void shouldRefuseARankWithAnotherSecretWithinOneSecond(int intruder) throws Exception {
        ClusterJob job = ClusterJob.start(RANKS, List.of("-J-D" + RankLossTest.property(AeronSettings.CONNECT_TIMEOUT_ENV)
            + "=" + CONNECT_TIMEOUT_MS), WrongSecretProgram.class, Integer.toString(intruder));
        int status = job.await(Duration.ofSeconds(60));
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
        long listeningMs = stamps.get("listening " + intruder);
        List<Long> afterMs = new ArrayList<>();
        for (int rank = 0; rank < RANKS; rank++) {
            int r = rank;
            String reason = refusals.get(r);
            long after = stamps.get("refused " + r) - listeningMs;
            afterMs.add(after);
            if (r == intruder) {
                assertTrue(reason.matches("rank \\d rejected rank " + intruder + ": "
                    + Pattern.quote(AUTHENTICATION_FAILED)), () -> "the intruder's reason: " + report);
                assertTrue(after <= REJECT_LIMIT_MS, () -> "rank " + r + " refused " + after + " ms after its transport"
                    + " listened, over the " + REJECT_LIMIT_MS + " ms allowed: " + report);
            } else if (reason.startsWith("rank " + intruder + " rejected")) {
                assertEquals("rank " + intruder + " rejected rank " + r + ": " + AUTHENTICATION_FAILED, reason, report);
                assertTrue(after <= REJECT_LIMIT_MS, () -> "rank " + r + " refused " + after + " ms after rank "
                    + intruder + " listened, over the " + REJECT_LIMIT_MS + " ms allowed: " + report);
            } else {
                // the intruder's proof names the failed authentication; when the intruder gave up before its
                // proof reached this rank, the plain connect timeout is all there is to say
                assertTrue(reason.startsWith("rank " + intruder + " not reachable at ")
                    && (reason.endsWith(": no handshake within " + CONNECT_TIMEOUT_MS + " ms; a peer claiming to be rank "
                        + intruder + " failed authentication (wrong or missing BIND_SECRET)")
                        || reason.endsWith(": no handshake within " + CONNECT_TIMEOUT_MS + " ms")),
                    () -> "rank " + r + "'s reason: " + report);
                long waited = stamps.get("refused " + r) - stamps.get("joining " + r);
                assertTrue(waited <= CONNECT_TIMEOUT_MS + REJECT_LIMIT_MS, () -> "rank " + r + " waited " + waited
                    + " ms, over the connect timeout: " + report);
            }
        }
        assertEquals(1, status, () -> "launcher status: " + report);
        ClusterJob.assertNothingLeft(job.ranks(), "wrong secret on rank " + intruder);
        System.out.println("wrong secret on rank " + intruder + ": ranks refused " + afterMs
            + " ms after the intruder listened: " + refusals);
    }
}
