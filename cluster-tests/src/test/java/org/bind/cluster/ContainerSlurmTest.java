package org.bind.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.bind.mpi.aeron.AeronSettings;
import org.bind.mpi.slurm.SlurmTransportFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slurm made of the node containers (tag {@code containers}): {@link SlurmNodes} on three {@link NodeCluster} nodes,
 * jobs of {@code srun -N 3 -n 3 bin/bindrun ...} started in node 0, one task per node, every task joining as rank
 * {@code SLURM_PROCID} through a rendezvous directory in the project directory (the file system the nodes share),
 * frames over Aeron UDP between the containers.
 *
 * <ul>
 * <li>the diffusion sample prints its known result, srun ends with 0, and nothing is left;
 * <li>{@code docker kill} of the node running one task of a busy job ({@link RankLossProgram}): every other task
 * fails reporting "rank k lost" for that task's rank within the heartbeat timeout plus
 * {@link ContainerFaultTest#MARGIN_MS}; srun ends non-zero; no task JVM, Aeron directory or rendezvous file is left
 * in the surviving nodes.
 * </ul>
 */
@Tag("containers")
@ExtendWith(DumpJobsOnTimeout.class)
class ContainerSlurmTest {
    static final int NODES = 3;
    static final long JOB_TIMEOUT_S = 300;

    @TempDir
    Path dir;

    private NodeCluster cluster;
    private SlurmNodes slurm;
    private Path rendezvous;

    @BeforeEach
    @Timeout(value = 1_500, unit = TimeUnit.SECONDS) // a fresh machine installs Docker and builds the image first
    void startSlurm() throws Exception {
        cluster = NodeCluster.start(NODES, dir);
        slurm = SlurmNodes.start(cluster, dir);
        // the rendezvous root: in the project directory, which every node mounts; one per test (job ids restart)
        rendezvous = Path.of(ContainerFaultTest.testClasses()).getParent().resolve("slurm-rendezvous-" + UUID.randomUUID());
    }

    @AfterEach
    void stopSlurm() throws IOException {
        if (cluster != null) {
            cluster.close();
        }
        if (rendezvous != null && Files.exists(rendezvous)) {
            try (Stream<Path> all = Files.walk(rendezvous)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void shouldRunDiffusionAcrossSlurmNodesWithItsKnownResult() throws Exception {
        NodeJob job = slurm.srun(List.of("-N", Integer.toString(NODES), "-n", Integer.toString(NODES),
            "bin/bindrun", "--tag-output", "--workers", "1", "--example", "diffusion"), environment(), dir);
        try {
            int status = job.await(JOB_TIMEOUT_S, () -> cluster.dumpStacks("org.bind.examples"));
            String report = "srun on " + cluster.names() + "\n" + job.lines().text();
            System.out.println(report);
            ExampleRuns.assertKnownResult(status, job.lines().text(), ExampleRuns.expectedDiffusion(), report);
            assertNothingLeft(allNodes(), "org.bind.examples", report);
        } finally {
            job.destroy();
        }
    }

    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void shouldReportTheTaskOfACrashedSlurmNodeLostOnEverySurvivor() throws Exception {
        int victimNode = NODES - 1;
        String program = RankLossProgram.class.getName();
        NodeJob job = slurm.srun(List.of("-N", Integer.toString(NODES), "-n", Integer.toString(NODES),
            "bin/bindrun", "--tag-output", "--workers", "1", "-J-Dbind.window.ops=16", "-cp",
            ContainerFaultTest.testClasses(), program, "240"), environment(), dir);
        try {
            boolean started = job.awaitLines(l -> l.contains(" pid ") && l.endsWith(" ready"), NODES,
                ContainerFaultTest.START_TIMEOUT_S);
            assertTrue(started, () -> "the tasks did not start within " + ContainerFaultTest.START_TIMEOUT_S + " s\n"
                + job.lines().text());
            int victim = rankOn(victimNode, program);
            Thread.sleep(1_000);   // rounds of ops and transfers in flight when the node dies
            cluster.kill(victimNode);
            long faultNs = System.nanoTime();
            int status = job.await(JOB_TIMEOUT_S, () -> cluster.dumpStacks(program));
            String report = "docker kill of " + cluster.names().get(victimNode) + " (rank " + victim + "), srun on "
                + cluster.names() + "\n" + job.lines().text();
            List<Long> detectedMs = ContainerFaultTest.survivorsReport(job.lines(), NODES, victim, faultNs, report);
            assertFalse(job.lines().text().contains("WRONG"), () -> "a rank computed a wrong sum\n" + report);
            assertTrue(status != 0, () -> "srun ended with 0 after a lost node\n" + report);
            List<Integer> survivors = allNodes();
            survivors.remove(Integer.valueOf(victimNode));
            assertNothingLeft(survivors, program, report);
            System.out.printf("docker kill of %s (rank %d) under srun: survivors reported it lost after %s ms;"
                + " srun status %d%n", cluster.names().get(victimNode), victim, detectedMs, status);
        } finally {
            job.destroy();
        }
    }

    /** What srun passes on to the tasks: the jars as built, the shared rendezvous root, heartbeats and timeouts. */
    private Map<String, String> environment() {
        return Map.of("BIND_BUILD", "never",
            SlurmTransportFactory.DIR_ENV, rendezvous.toString(),
            AeronSettings.HEARTBEAT_ENV, Long.toString(ContainerFaultTest.HEARTBEAT_MS),
            AeronSettings.HEARTBEAT_TIMEOUT_ENV, Long.toString(ContainerFaultTest.HEARTBEAT_TIMEOUT_MS),
            // JVMs start slowly in containers on a loaded 2-core host
            AeronSettings.CONNECT_TIMEOUT_ENV, "60000");
    }

    /** The rank of the task JVM running {@code program} on node {@code n} (its {@code SLURM_PROCID}). */
    private int rankOn(int n, String program) throws IOException, InterruptedException {
        String out = cluster.exec(n, "bash", "-c", "tr '\\0' '\\n' < /proc/$(pgrep -o -f 'java.*" + program
            + "')/environ | sed -n 's/^SLURM_PROCID=//p'").getStdout().strip();
        if (!out.matches("\\d+")) {
            throw new AssertionError("no task JVM of " + program + " on " + cluster.names().get(n) + ": '" + out + "'");
        }
        return Integer.parseInt(out);
    }

    private List<Integer> allNodes() {
        return ContainerClusterTest.allNodes(cluster);
    }

    /** No task JVM of {@code program}, no Aeron directory on {@code nodes} (waiting up to 60 s), no rendezvous file. */
    private void assertNothingLeft(List<Integer> nodes, String program, String report) throws Exception {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int n : nodes) {
            List<String> left = cluster.processes(n, "java.*" + program);
            while (!left.isEmpty() && System.nanoTime() < deadlineNs) {
                Thread.sleep(200);
                left = cluster.processes(n, "java.*" + program);
            }
            assertEquals(List.of(), left, "task JVMs left on " + cluster.names().get(n) + "\n" + report);
            assertEquals(List.of(), cluster.aeronDirs(n), "/dev/shm of " + cluster.names().get(n) + "\n" + report);
        }
        if (Files.isDirectory(rendezvous)) {
            try (Stream<Path> entries = Files.list(rendezvous)) {
                List<Path> files = entries.toList();
                assertEquals(List.of(), files, "rendezvous files left\n" + report);
            }
        }
    }
}
