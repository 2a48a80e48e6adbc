/**
 * The launchers behind {@code bin/bindrun} (rank processes over Aeron, ranks started by MPJ Express, ranks in one
 * JVM) and the kit they share: options table, rank command, output pump and job supervisor.
 */
package org.bind.mpi.launch;
