package org.bind.dag;

/**
 * A snapshot of one rank's runtime counters.
 *
 * @param opsRun           ops finished here (run, failed or skipped)
 * @param opsSkipped       ops skipped because an input's producer failed
 * @param inFlight         ops and transfers submitted and not finished
 * @param liveBytes        bytes of live version buffers
 * @param windowStalls     times the program thread blocked on a full window
 * @param steals           tasks a worker took from another worker's deque
 * @param inPlaceWrites    read-write ops that wrote their input's buffer in place
 * @param copies           read-write ops that copied their input (copy-on-write)
 * @param epoch            syncs completed
 * @param versionsSent     versions this rank sent (each child of each tree counts once)
 * @param versionsReceived versions this rank received
 * @param bytesSent        encoded bytes of the versions it sent
 * @param bytesReceived    encoded bytes it received
 * @param framesDropped    frames rejected as malformed, of another job, or unclaimed
 * @param collections      garbage collections the runtime asked for, over the byte window, to find the objects
 *                         the program dropped
 * @param receivedIntoRecycled versions received into the buffer of a version that had died here (the rank's
 *                         shared pool) instead of a new one
 * @param sharedPoolReused buffers taken again from the rank's shared pool (versions that died off the workers: sent,
 *                         relayed, superseded by an op of another rank), by a received version or a worker's new
 *                         version or copy
 */
public record Counters(long opsRun, long opsSkipped, long inFlight, long liveBytes, long windowStalls, long steals,
                       long inPlaceWrites, long copies, long epoch, long versionsSent, long versionsReceived,
                       long bytesSent, long bytesReceived, long framesDropped, long collections,
                       long receivedIntoRecycled, long sharedPoolReused) {
}
