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
 * @param sparesReused     buffers of versions that died once sent (on a sending thread) reused by a worker for a new
 *                         version or a copy ({@link org.bind.version.SpareBuffers})
 */
public record Counters(long opsRun, long opsSkipped, long inFlight, long liveBytes, long windowStalls, long steals,
                       long inPlaceWrites, long copies, long epoch, long versionsSent, long versionsReceived,
                       long bytesSent, long bytesReceived, long framesDropped, long collections, long sparesReused) {
}
