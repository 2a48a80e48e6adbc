package org.bind.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quick container test of the default run: three node containers ({@link NodeCluster}: Testcontainers, the
 * image of {@code bin/setup-docker --image}, an MPJ daemon in each), the diffusion sample launched from this host
 * with {@code bin/bindrun --machines} on three ranks, one per node, frames over Aeron UDP between the containers. It
 * prints its known result, and nothing is left behind: no rank JVM and no Aeron directory in any node, no job
 * directory on this host. Skips, printing why,
 * where Docker cannot be set up (no root, no Debian mirror).
 */
@Tag("cluster")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(DumpJobsOnTimeout.class)
class ContainerClusterTest {
    static final int RANKS = 3;
    static final long JOB_TIMEOUT_S = 300;
    /** Connect timeout of the ranks' Aeron handshake: JVMs start slowly in containers on a loaded 2-core host. */
    static final String CONNECT_TIMEOUT = "-J-Dbind.connect.timeout.ms=60000";

    @TempDir
    static Path dir;

    private NodeCluster cluster;

    @BeforeAll
    @Timeout(value = 1_500, unit = TimeUnit.SECONDS) // a fresh machine installs Docker and builds the image first
    void startNodes() throws Exception {
        cluster = NodeCluster.start(RANKS, dir);
    }

    @AfterAll
    void removeNodes() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Timeout(value = 400, unit = TimeUnit.SECONDS)
    void shouldRunDiffusionOnNodeContainersWithItsKnownResult() throws Exception {
        Set<String> jobsBefore = jobDirectories();
        ChildJob.Running job = cluster.launch(List.of("-np", Integer.toString(RANKS), "--tag-output", "--workers", "1",
            CONNECT_TIMEOUT, "--example", "diffusion"), dir);
        ChildJob.Result result = cluster.await(job, JOB_TIMEOUT_S);
        String report = "nodes " + cluster.names() + " at " + cluster.addresses() + "\n" + result.output();
        System.out.println(report);
        ExampleRuns.assertKnownResult(result.status(), result.output(), ExampleRuns.expectedDiffusion(), report);
        assertNothingLeft(cluster, allNodes(cluster), jobsBefore, report);
    }

    static List<Integer> allNodes(NodeCluster cluster) {
        List<Integer> nodes = new ArrayList<>();
        for (int n = 0; n < cluster.names().size(); n++) {
            nodes.add(n);
        }
        return nodes;
    }

    /**
     * No rank JVM and no Aeron directory on {@code nodes} (waiting up to 60 s for ranks that are still ending), and
     * no job directory on this host beyond {@code jobsBefore}.
     */
    static void assertNothingLeft(NodeCluster cluster, List<Integer> nodes, Set<String> jobsBefore, String report)
        throws IOException, InterruptedException {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int n : nodes) {
            List<String> left = cluster.rankJvms(n);
            while (!left.isEmpty() && System.nanoTime() < deadlineNs) {
                Thread.sleep(200);
                left = cluster.rankJvms(n);
            }
            assertEquals(List.of(), left, "rank JVMs left on " + cluster.names().get(n) + "\n" + report);
            assertEquals(List.of(), cluster.aeronDirs(n), "/dev/shm of " + cluster.names().get(n) + "\n" + report);
        }
        Set<String> jobsAfter = jobDirectories();
        jobsAfter.removeAll(jobsBefore);
        assertTrue(jobsAfter.isEmpty(), "job directories left on this host: " + jobsAfter + "\n" + report);
    }

    /** The job directories bin/bindrun --machines makes on this host (under the project's .bind/jobs). */
    static Set<String> jobDirectories() throws IOException {
        Path jobs = MpjHome.projectRoot().resolve(".bind/jobs");
        if (!Files.isDirectory(jobs)) {
            return new TreeSet<>();
        }
        try (Stream<Path> list = Files.list(jobs)) {
            return list.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
