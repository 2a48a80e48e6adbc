package org.bind.mpi.slurm;

import java.util.Map;

import org.bind.transport.TransportException;

/**
 * The Slurm job step a task runs in, as {@code slurmstepd} describes it in the task's environment.
 *
 * @param rank     {@code SLURM_PROCID}: this task's rank in the step
 * @param size     {@code SLURM_STEP_NUM_TASKS} (else {@code SLURM_NTASKS}): the step's tasks
 * @param jobId    {@code SLURM_JOB_ID}
 * @param stepId   {@code SLURM_STEP_ID}: numeric for a step started by {@code srun}
 * @param nodes    {@code SLURM_STEP_NUM_NODES} (else {@code SLURM_NNODES}, else 1): nodes the step runs on
 * @param nodeName {@code SLURMD_NODENAME}: the node this task runs on (empty when unknown)
 * @param cluster  {@code SLURM_CLUSTER_NAME} (empty when unknown)
 * @param launch   {@code SLURM_STEP_LAUNCHER_PORT} or {@code SLURM_SRUN_COMM_PORT}: the port of the {@code srun} that
 *                 started the step, which tells two steps of a job id reused after a controller reset apart (may be
 *                 empty)
 */
public record SlurmStep(int rank, int size, long jobId, long stepId, int nodes, String nodeName, String cluster,
                        String launch) {
    public static final String PROCID_ENV = "SLURM_PROCID";
    public static final String STEP_TASKS_ENV = "SLURM_STEP_NUM_TASKS";
    public static final String NTASKS_ENV = "SLURM_NTASKS";
    public static final String JOB_ID_ENV = "SLURM_JOB_ID";
    public static final String STEP_ID_ENV = "SLURM_STEP_ID";
    public static final String STEP_NODES_ENV = "SLURM_STEP_NUM_NODES";
    public static final String NNODES_ENV = "SLURM_NNODES";
    public static final String NODE_NAME_ENV = "SLURMD_NODENAME";
    public static final String CLUSTER_ENV = "SLURM_CLUSTER_NAME";
    public static final String LAUNCHER_PORT_ENV = "SLURM_STEP_LAUNCHER_PORT";
    public static final String SRUN_PORT_ENV = "SLURM_SRUN_COMM_PORT";

    public SlurmStep {
        if (size < 1 || rank < 0 || rank >= size) {
            throw new TransportException(PROCID_ENV + "=" + rank + " is out of range for a step of " + size + " tasks");
        }
        if (nodes < 1) {
            throw new TransportException("a Slurm step on " + nodes + " nodes");
        }
    }

    /**
     * Whether {@code environment} is that of a task of a step started by {@code srun}: {@code SLURM_PROCID} and a
     * numeric {@code SLURM_STEP_ID} are set (an {@code sbatch} script runs in the batch step, which has no step id;
     * its {@code bin/bindrun -np N} starts local ranks as anywhere else).
     */
    public static boolean isTask(Map<String, String> environment) {
        String step = environment.get(STEP_ID_ENV);
        String rank = environment.get(PROCID_ENV);
        return step != null && step.trim().matches("\\d{1,10}") && rank != null && !rank.isBlank();
    }

    /** The step {@code environment} describes; a missing or malformed variable is named in the exception. */
    public static SlurmStep of(Map<String, String> environment) {
        if (!isTask(environment)) {
            throw new TransportException("not a task of a Slurm step (" + STEP_ID_ENV + "="
                + environment.get(STEP_ID_ENV) + ", " + PROCID_ENV + "=" + environment.get(PROCID_ENV)
                + "): start the program with srun inside an allocation (salloc, sbatch)");
        }
        String tasksName = present(environment, STEP_TASKS_ENV) ? STEP_TASKS_ENV : NTASKS_ENV;
        int size = (int) number(environment, tasksName, 1, Integer.MAX_VALUE);
        int rank = (int) number(environment, PROCID_ENV, 0, Integer.MAX_VALUE);
        long job = number(environment, JOB_ID_ENV, 0, Long.MAX_VALUE);
        long step = number(environment, STEP_ID_ENV, 0, Long.MAX_VALUE);
        int nodes = 1;
        for (String name : new String[] {STEP_NODES_ENV, NNODES_ENV}) {
            if (present(environment, name)) {
                nodes = (int) number(environment, name, 1, Integer.MAX_VALUE);
                break;
            }
        }
        String launch = present(environment, LAUNCHER_PORT_ENV) ? environment.get(LAUNCHER_PORT_ENV).trim()
            : environment.getOrDefault(SRUN_PORT_ENV, "").trim();
        return new SlurmStep(rank, size, job, step, nodes, environment.getOrDefault(NODE_NAME_ENV, "").trim(),
            environment.getOrDefault(CLUSTER_ENV, "").trim(), launch.matches("\\d{1,5}") ? launch : "");
    }

    /**
     * The name of the step's rendezvous directory: {@code [cluster-]job.step[-port]}, made of Slurm's own
     * identifiers only (checked: letters, digits, dot, dash and underscore).
     */
    public String rendezvousName() {
        String name = (cluster.isEmpty() ? "" : cluster + "-") + jobId + "." + stepId + (launch.isEmpty() ? "" : "-"
            + launch);
        if (!name.matches("[A-Za-z0-9._-]{1,200}")) {
            throw new TransportException(CLUSTER_ENV + "='" + cluster + "' makes the rendezvous name '" + name
                + "', which is not a plain file name");
        }
        return name;
    }

    private static boolean present(Map<String, String> environment, String name) {
        String value = environment.get(name);
        return value != null && !value.isBlank();
    }

    private static long number(Map<String, String> environment, String name, long min, long max) {
        String value = environment.get(name);
        if (value == null || value.isBlank()) {
            throw new TransportException(name + " is not set in this Slurm task's environment");
        }
        try {
            long parsed = Long.parseLong(value.trim());
            if (parsed < min || parsed > max) {
                throw new TransportException(name + "=" + parsed + " is out of range [" + min + ", " + max + "]");
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new TransportException(name + "='" + value + "' is not a number");
        }
    }
}
