package org.bind.dag;

import org.bind.trace.Tracer;
import org.bind.transport.Transport;

/**
 * What one rank's {@link Engine} is built from (validated by {@code Bind.Context}).
 *
 * @param rank            this rank
 * @param size            ranks in the job
 * @param workers         worker threads
 * @param windowOps       ops in flight before the program thread blocks
 * @param windowBytes     bytes of live versions before the program thread blocks
 * @param tracer          records op slices, or null
 * @param progressMs      period of the progress line, or 0
 * @param transport       frames to other ranks; null when {@code size == 1}
 * @param jobId           carried by every frame; frames of other jobs are dropped
 * @param chunkBytes      versions larger than this travel in chunks of this size
 * @param maxVersionBytes the largest encoded version accepted from the wire
 */
public record EngineConfig(int rank, int size, int workers, long windowOps, long windowBytes, Tracer tracer,
                           long progressMs, Transport transport, long jobId, int chunkBytes, long maxVersionBytes) {
}
