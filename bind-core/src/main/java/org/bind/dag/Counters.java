package org.bind.dag;

/**
 * A snapshot of one rank's runtime counters.
 *
 * @param opsRun        ops finished (run, failed or skipped)
 * @param opsSkipped    ops skipped because an input's producer failed
 * @param inFlight      ops submitted and not finished
 * @param liveBytes     bytes of live version buffers
 * @param windowStalls  times the program thread blocked on a full window
 * @param steals        ops a worker took from another worker's deque
 * @param inPlaceWrites read-write ops that wrote their input's buffer in place
 * @param copies        read-write ops that copied their input (copy-on-write)
 * @param epoch         syncs completed
 */
public record Counters(long opsRun, long opsSkipped, long inFlight, long liveBytes, long windowStalls, long steals,
                       long inPlaceWrites, long copies, long epoch) {
}
