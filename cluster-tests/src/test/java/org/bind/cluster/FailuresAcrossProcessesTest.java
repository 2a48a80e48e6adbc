package org.bind.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Failures reported on every process as they are on in-JVM ranks (bind-core's {@code FailureAcrossRanksTest} and
 * {@code DivergenceTest}), here across 3 JVMs over Aeron: an op that throws on one rank (rank 0, then rank 2, in
 * one job), ranks that submit different ops, and a main that throws on rank 1 of 2 or 3. Every rank reports the
 * same error (the others name the rank whose main threw, and its exception), the launcher exits non-zero, nothing
 * hangs and nothing is left.
 */
@Tag("cluster")
@ExtendWith(DumpJobsOnTimeout.class)
class FailuresAcrossProcessesTest {
    private static final int RANKS = 3;
    private static final Duration JOB_LIMIT = Duration.ofSeconds(60);
    private static final Pattern CAUGHT_FAILURE = Pattern.compile("^\\[rank (\\d+)] rank \\1 round (\\d+) caught"
        + " OpFailedException op=(\\S+) rank=(\\d+) cause=(\\S+): (.*) message=(.*)$");
    private static final Pattern CAUGHT = Pattern.compile("^\\[rank (\\d+)] rank \\1 caught (\\S+): (.*)$");

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void shouldReportEveryOpFailureOnEveryProcess() throws Exception {
        int[] failingRanks = {0, 2};
        ClusterJob job = ClusterJob.start(RANKS, List.of(), OpFailureProgram.class, "0,2");
        int status = job.await(JOB_LIMIT);
        String report = job.report();
        String code = OpFailureProgram.MESSAGE + 7;
        for (int round = 0; round < failingRanks.length; round++) {
            int failing = failingRanks[round];
            Map<Integer, Matcher> caught = new TreeMap<>();
            for (Lines.Line line : job.out.lines()) {
                Matcher m = CAUGHT_FAILURE.matcher(line.text());
                if (m.matches() && Integer.parseInt(m.group(2)) == round) {
                    caught.put(Integer.parseInt(m.group(1)), m);
                }
            }
            String what = "op failing on rank " + failing + " (round " + round + ")";
            assertEquals(List.of(0, 1, 2), List.copyOf(caught.keySet()), () -> what + ": ranks that caught it: " + report);
            for (Map.Entry<Integer, Matcher> e : caught.entrySet()) {
                int rank = e.getKey();
                Matcher m = e.getValue();
                String where = what + " on rank " + rank;
                assertEquals("FailingOps.explode", m.group(3), () -> where + ": op name: " + report);
                assertEquals(Integer.toString(failing), m.group(4), () -> where + ": failing rank: " + report);
                String cause = m.group(5) + ": " + m.group(6);
                if (rank == failing) {
                    assertEquals("java.lang.IllegalStateException: " + code, cause, () -> where + ": the op's own"
                        + " exception: " + report);
                } else {
                    assertEquals("org.bind.RemoteOpException: java.lang.IllegalStateException on rank " + failing
                        + ": " + code, cause, () -> where + ": cause: " + report);
                }
                assertTrue(m.group(7).startsWith("op FailingOps.explode failed on rank " + failing + ": ")
                    && m.group(7).contains(code), () -> where + ": message: " + report);
                String next = "[rank " + rank + "] rank " + rank + " round " + round + " next epoch ok";
                assertTrue(job.out.first(l -> l.equals(next)).isPresent(), () -> where + ": no next epoch: " + report);
            }
        }
        assertFalse(job.out.text().contains("WRONG") || job.out.text().contains("sync returned"), report);
        assertEquals(1, status, () -> "launcher status: " + report);
        ClusterJob.assertNothingLeft(job.ranks(), "ops failing on ranks 0 and 2");
    }

    @ParameterizedTest(name = "{0} on 3 processes")
    @ValueSource(strings = {"extra-common", "extra-read"})
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void shouldReportADivergenceOnEveryProcess(String variant) throws Exception {
        ClusterJob job = ClusterJob.start(RANKS, List.of(), DivergenceProgram.class, variant);
        int status = job.await(JOB_LIMIT);
        String report = job.report();
        Map<Integer, String> messages = new TreeMap<>();
        for (Lines.Line line : job.out.lines()) {
            Matcher m = CAUGHT.matcher(line.text());
            if (m.matches()) {
                assertEquals("org.bind.BindException", m.group(2), () -> "exception on rank " + m.group(1) + ": " + report);
                messages.put(Integer.parseInt(m.group(1)), m.group(3));
            }
        }
        assertEquals(List.of(0, 1, 2), List.copyOf(messages.keySet()), () -> "ranks that caught the divergence: "
            + report);
        String expected = variant.equals("extra-common")
            ? "DAG divergence at op #2 of epoch 0: rank 0 submitted DivergentOps.last (common), rank 1 submitted"
                + " DivergentOps.extra (common)"
            : "DAG divergence at op #1 of epoch 0: rank 0 submitted DivergentOps.read on rank 0, rank 1 submitted"
                + " nothing there (it reached sync())";
        for (Map.Entry<Integer, String> e : messages.entrySet()) {
            assertTrue(e.getValue().startsWith(expected), () -> "message on rank " + e.getKey() + ": " + report);
        }
        assertFalse(job.out.text().contains("sync returned"), report);
        assertEquals(1, status, () -> "launcher status: " + report);
        ClusterJob.assertNothingLeft(job.ranks(), variant);
    }

    @ParameterizedTest(name = "{0} processes, the others {1}")
    @CsvSource({"2, sync", "3, sync", "2, wait", "3, wait"})
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void shouldNameTheRankWhoseMainThrewOnEveryOtherProcess(int ranks, String how) throws Exception {
        ClusterJob job = ClusterJob.start(ranks, List.of(), MainThrowsProgram.class, how);
        int status = job.await(JOB_LIMIT);
        String report = job.report();
        Map<Integer, String> messages = new TreeMap<>();
        for (Lines.Line line : job.out.lines()) {
            Matcher m = CAUGHT.matcher(line.text());
            if (m.matches()) {
                messages.put(Integer.parseInt(m.group(1)), m.group(2) + ": " + m.group(3));
            }
        }
        List<Integer> others = new java.util.ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            if (r != 1) {
                others.add(r);
            }
        }
        assertEquals(others, List.copyOf(messages.keySet()), () -> "ranks that caught rank 1's failure: " + report);
        for (Map.Entry<Integer, String> e : messages.entrySet()) {
            assertEquals("org.bind.BindException: rank 1 gave up on the job: main threw java.lang.IllegalStateException: "
                + MainThrowsProgram.MESSAGE, e.getValue(), () -> "message on rank " + e.getKey() + ": " + report);
        }
        assertTrue(job.err.text().contains("Exception in thread \"main\" java.lang.IllegalStateException: "
            + MainThrowsProgram.MESSAGE), () -> "rank 1's own trace: " + report);
        assertFalse(job.out.text().contains("sync returned"), report);
        assertEquals(1, status, () -> "launcher status: " + report);
        ClusterJob.assertNothingLeft(job.ranks(), "main throwing on rank 1 of " + ranks);
    }
}
