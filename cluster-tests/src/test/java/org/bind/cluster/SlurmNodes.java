package org.bind.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.testcontainers.containers.Container.ExecResult;

/**
 * A Slurm cluster made of the node containers of a {@link NodeCluster}: {@code slurmctld} in node 0, {@code slurmd}
 * in every node (node 0 included), one munge key (drawn here, copied into every node, {@code munged} in each), one
 * {@code slurm.conf}, one partition {@value #PARTITION} of all nodes. The image of {@code bin/setup-docker --image}
 * holds Debian's {@code slurmd}, {@code slurmctld}, {@code slurm-client} and {@code munge}. Jobs are started with
 * {@code srun} in node 0 (the login node), with the project directory, which every node mounts, as working directory.
 *
 * <p>{@code SlurmdTimeout=10}: a node that stops answering (killed) is set down within about 10 s, so that
 * {@code srun} ends the step instead of waiting the default 300 s for the task it started there.
 */
final class SlurmNodes {
    static final String PARTITION = "bind";
    private static final long READY_TIMEOUT_S = 120;

    private final NodeCluster cluster;

    private SlurmNodes(NodeCluster cluster) {
        this.cluster = cluster;
    }

    /** Configures and starts Slurm on every node of {@code cluster}; waits until every node takes jobs. */
    static SlurmNodes start(NodeCluster cluster, Path dir) throws IOException, InterruptedException {
        SlurmNodes slurm = new SlurmNodes(cluster);
        ExecResult installed = cluster.exec(0, "sh", "-c", "command -v slurmctld && command -v slurmd && command -v srun"
            + " && command -v munged");
        if (installed.getExitCode() != 0) {
            throw new IllegalStateException("the node image has no Slurm or munge (bin/setup-docker's image recipe"
                + " must include slurmd, slurmctld, slurm-client and munge): " + installed.getStdout());
        }
        byte[] key = new byte[1024];
        new SecureRandom().nextBytes(key);
        Path keyFile = Files.write(dir.resolve("munge.key"), key);
        Path conf = Files.writeString(dir.resolve("slurm.conf"), configuration(cluster.names()), StandardCharsets.UTF_8);
        for (int n = 0; n < cluster.names().size(); n++) {
            cluster.copyTo(n, keyFile, "/etc/munge/munge.key", 0400);
            cluster.copyTo(n, conf, "/etc/slurm/slurm.conf", 0644);
            String daemons = (n == 0 ? "slurmctld\n" : "") + "slurmd\n";
            ExecResult started = cluster.exec(n, "bash", "-c", "set -e\n"
                + "mkdir -p /run/munge /var/log/munge /var/lib/munge /var/spool/slurmd /var/spool/slurmctld"
                + " /var/log/slurm\n"
                + "chown -R munge:munge /etc/munge /run/munge /var/log/munge /var/lib/munge\n"
                + "chmod 0700 /etc/munge\n"
                + "runuser -u munge -- munged\n"
                + daemons);
            if (started.getExitCode() != 0) {
                throw new IllegalStateException("Slurm did not start on " + cluster.names().get(n) + ": "
                    + started.getStdout() + started.getStderr() + logsOf(cluster, n));
            }
        }
        slurm.awaitIdle();
        return slurm;
    }

    /**
     * Starts {@code srun args} in node 0, in the project directory, with {@code env} (srun passes it on to the
     * tasks).
     */
    NodeJob srun(List<String> args, Map<String, String> env, Path dir) throws IOException {
        StringBuilder script = new StringBuilder("cd '" + MpjHome.projectRoot() + "' && exec srun");
        for (String arg : args) {
            script.append(" '").append(arg.replace("'", "'\\''")).append('\'');
        }
        return cluster.execStreamed(0, env, script.toString(), dir);
    }

    /** What slurmctld's and slurmd's logs of node {@code n} end with (for failure reports). */
    String logs(int n) throws IOException, InterruptedException {
        return logsOf(cluster, n);
    }

    private static String logsOf(NodeCluster cluster, int n) throws IOException, InterruptedException {
        return "\n--- logs of " + cluster.names().get(n) + " ---\n" + cluster.exec(n, "sh", "-c",
            "tail -n 15 /var/log/slurm/*.log /var/log/munge/munged.log 2>&1").getStdout();
    }

    private void awaitIdle() throws IOException, InterruptedException {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_TIMEOUT_S);
        String states = "";
        while (System.nanoTime() < deadlineNs) {
            states = cluster.exec(0, "sinfo", "-h", "-N", "-o", "%N %T").getStdout().strip();
            long idle = states.lines().filter(l -> l.endsWith(" idle")).count();
            if (idle == cluster.names().size()) {
                return;
            }
            Thread.sleep(500);
        }
        StringBuilder logs = new StringBuilder();
        for (int n = 0; n < cluster.names().size(); n++) {
            logs.append(logs(n));
        }
        throw new IllegalStateException("the Slurm nodes were not all idle within " + READY_TIMEOUT_S + " s: "
            + states + logs);
    }

    private static String configuration(List<String> nodes) {
        StringBuilder conf = new StringBuilder("""
            # The Slurm cluster of the container tests: the first node is controller, every node runs slurmd.
            ClusterName=bindnodes
            SlurmctldHost=%s
            AuthType=auth/munge
            CryptoType=crypto/munge
            ProctrackType=proctrack/linuxproc
            TaskPlugin=task/none
            SelectType=select/cons_tres
            SelectTypeParameters=CR_Core
            SchedulerType=sched/backfill
            SlurmUser=root
            SlurmctldPidFile=/run/slurmctld.pid
            SlurmdPidFile=/run/slurmd.pid
            StateSaveLocation=/var/spool/slurmctld
            SlurmdSpoolDir=/var/spool/slurmd
            SlurmctldLogFile=/var/log/slurm/slurmctld.log
            SlurmdLogFile=/var/log/slurm/slurmd.log
            SlurmdParameters=config_overrides
            ReturnToService=2
            SlurmdTimeout=10
            KillWait=10
            MpiDefault=none
            """.formatted(nodes.get(0)));
        for (String node : nodes) {
            conf.append("NodeName=").append(node).append(" CPUs=2 RealMemory=1000 State=UNKNOWN\n");
        }
        conf.append("PartitionName=").append(PARTITION).append(" Nodes=ALL Default=YES MaxTime=INFINITE State=UP\n");
        return conf.toString();
    }
}
