package org.bind.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A peer with the job's secret floods a rank with data nobody asked for ({@link UnclaimedFloodProgram}: 8 versions
 * of 32 MiB of an epoch far ahead) while the rank runs with default settings on a 256 MiB heap, where all of it
 * cannot fit. The rank must refuse the peer once it holds {@code bind.max.unclaimed.bytes} (a quarter of the heap)
 * of its data: its sync fails with a message naming the peer and the setting, nothing runs out of memory, and what
 * the heap holds after a collection once the sync has failed is at most that bound plus {@value #SLACK_MIB} MiB (the
 * runtime's own), although the flood goes on: the frames of the refused peer that its transport still queued for
 * delivery are dropped with the refusal, and those that follow are dropped before they are copied.
 */
@Tag("cluster")
@ExtendWith(DumpJobsOnTimeout.class)
class UnclaimedFloodTest {
    private static final int VERSIONS = 8;
    private static final int VERSION_MIB = 32;
    /** What the victim's heap holds besides unclaimed data: classes, the runtime, a frame in hand. */
    private static final long SLACK_MIB = 16;
    private static final Pattern BOUND = Pattern.compile("bind\\.max\\.unclaimed\\.bytes=(\\d+) ");
    private static final Pattern PEAK = Pattern.compile("^\\[rank 0] victim retained MiB (\\d+) of (\\d+) peak (\\d+)$");

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldRefuseAPeerThatFloodsDataOfAFutureEpochBeforeTheHeapFills() throws Exception {
        // the flooder speaks the wire protocol to the victim's UDP endpoint, as a rank on another host would
        String ipc = ClusterJob.useUdp();
        ClusterJob job;
        try {
            job = ClusterJob.start(2, List.of("-J-Xmx256m", "-J-Dbind.connect.timeout.ms=60000"),
                UnclaimedFloodProgram.class, Integer.toString(VERSIONS), Integer.toString(VERSION_MIB));
            job.await(Duration.ofSeconds(150));
        } finally {
            ClusterJob.restoreIpc(ipc);
        }
        String report = job.report();
        String all = job.out.text() + job.err.text();
        assertFalse(all.contains("OutOfMemoryError"), () -> "out of memory: " + report);
        assertTrue(job.out.first(l -> l.startsWith("[rank 0] victim refused: rank 1 lost: rank 1 sent more data"
            + " that this rank has not asked for (yet) than bind.max.unclaimed.bytes=")).isPresent(),
            () -> "rank 0 did not refuse rank 1 naming it and the setting: " + report);
        Matcher bound = BOUND.matcher(job.out.text());
        assertTrue(bound.find(), () -> "no bound in the refusal: " + report);
        long boundMiB = Long.parseLong(bound.group(1)) >> 20;
        Matcher peak = job.out.first(l -> PEAK.matcher(l).matches()).map(l -> PEAK.matcher(l.text()))
            .orElseThrow(() -> new AssertionError("rank 0 printed no heap figures: " + report));
        assertTrue(peak.matches());
        long peakMiB = Long.parseLong(peak.group(1));
        long maxMiB = Long.parseLong(peak.group(2));
        // the flood (the size of the whole heap) is not kept: what the heap holds after a collection is at most the
        // bound and the runtime's own (the peak of the old generation counts garbage too, which the collector had not
        // yet reclaimed)
        assertTrue(peakMiB <= boundMiB + SLACK_MIB, () -> "rank 0 retained " + peakMiB + " of " + maxMiB
            + " MiB after refusing the flood, over the bound of " + boundMiB + " MiB + " + SLACK_MIB + ": " + report);
        assertTrue(job.out.first(l -> l.startsWith("[rank 1] flooder sent " + VERSIONS)
            || l.startsWith("[rank 1] flooder stopped at version")).isPresent(),
            () -> "the flooder did not report: " + report);
        System.out.println("unclaimed flood: rank 0 retained " + peakMiB + " of " + maxMiB + " MiB (bound " + boundMiB
            + " MiB), old generation peak " + peak.group(3) + " MiB");
    }
}
