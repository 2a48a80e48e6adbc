package org.bind.cluster;

import org.bind.mpi.aeron.AeronTransportFactory;
import org.bind.mpi.slurm.SlurmStep;

/** What the test programs share: the line by which a rank tells the test who it is. Runs in the rank JVMs. */
final class ProgramSupport {
    private ProgramSupport() {
    }

    /**
     * Prints {@code rank R pid P job J port Q ready} ({@link ClusterJob#ranks} reads it): the rank, its process id,
     * the job id and the UDP port it listens on, from the job description the launcher put in the environment; a
     * Slurm task prints its Slurm job id (hex) and port 0.
     */
    static void announce() {
        String rank = System.getenv(AeronTransportFactory.RANK_ENV);
        if (rank == null && System.getenv(SlurmStep.PROCID_ENV) != null) {
            // a Slurm task: the rank is the task's; its port, chosen at the rendezvous, is not in the environment
            System.out.println("rank " + System.getenv(SlurmStep.PROCID_ENV) + " pid " + ProcessHandle.current().pid()
                + " job " + Long.toHexString(Long.parseLong(System.getenv(SlurmStep.JOB_ID_ENV))) + " port 0 ready");
            return;
        }
        if (System.getenv(AeronTransportFactory.PEERS_ENV) == null) {
            throw new IllegalStateException("not a rank started over Aeron by ProcessLauncher: use announce(rank)");
        }
        String[] peers = System.getenv(AeronTransportFactory.PEERS_ENV).split(",");
        String own = peers[Integer.parseInt(rank)];
        System.out.println("rank " + rank + " pid " + ProcessHandle.current().pid() + " job "
            + System.getenv(AeronTransportFactory.JOB_ENV) + " port " + own.substring(own.lastIndexOf(':') + 1)
            + " ready");
    }

    /**
     * The same line for a rank of any launch: over Aeron as {@link #announce()}; otherwise (the ranks started by MPJ
     * Express with frames over MPJ) with job {@code 0} and port {@code 0}, as there is neither an Aeron directory nor
     * a UDP port of the job to look for.
     */
    static void announce(int rank) {
        if (System.getenv(AeronTransportFactory.PEERS_ENV) != null) {
            announce();
        } else {
            System.out.println("rank " + rank + " pid " + ProcessHandle.current().pid() + " job 0 port 0 ready");
        }
    }
}
