package org.bind.dag;

import java.nio.file.Path;

import org.bind.transport.Transport;

/**
 * What one rank's {@link Engine} is built from: the settings of {@code Bind.Context}, validated and completed by
 * {@code Context.conclude()}.
 *
 * @param rank            this rank
 * @param size            ranks in the job
 * @param workers         worker threads
 * @param windowOps       ops in flight before the program thread blocks
 * @param windowBytes     bytes of live versions before the program thread blocks
 * @param trace           where the trace of op slices goes (see {@link #traceFile()}), or null for none
 * @param traceEvents     slices kept before further ones are dropped
 * @param progressMs      period of the progress line, or 0
 * @param transport       frames to other ranks; null when {@code size == 1}
 * @param jobId           carried by every frame; frames of other jobs are dropped
 * @param chunkBytes      versions larger than this travel in chunks of this size
 * @param maxVersionBytes the largest encoded version accepted from the wire
 * @param maxUnclaimedBytes bytes of data not yet asked for that each peer may make this rank hold
 * @param recordDag       whether the epoch's DAG is recorded from the first op ({@link DagRecorder})
 */
public record EngineConfig(int rank, int size, int workers, long windowOps, long windowBytes, Path trace,
                           long traceEvents, long progressMs, Transport transport, long jobId, int chunkBytes,
                           long maxVersionBytes, long maxUnclaimedBytes, boolean recordDag) {
    /** This rank's trace file: {@link #trace()}, with {@code -rank<k>} inserted when there are several ranks. */
    public Path traceFile() {
        if (trace == null || size == 1) {
            return trace;
        }
        String name = trace.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String ranked = dot > 0 ? name.substring(0, dot) + "-rank" + rank + name.substring(dot)
            : name + "-rank" + rank;
        return trace.resolveSibling(ranked);
    }
}
