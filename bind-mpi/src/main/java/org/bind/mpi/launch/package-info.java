/** Starts the ranks of a job as local JVM processes and supervises them. */
package org.bind.mpi.launch;
