/**
 * Ranks started by Slurm ({@code srun -n N bin/bindrun ...}): every task joins the job as rank
 * {@code SLURM_PROCID} of {@code SLURM_STEP_NUM_TASKS}, finds its peers through a rendezvous directory private to the
 * user, and talks to them over the Aeron transport with the per-job secret. No daemon, no launcher process.
 */
package org.bind.mpi.slurm;
