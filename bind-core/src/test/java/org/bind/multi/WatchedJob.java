package org.bind.multi;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.bind.Bind;
import org.bind.transport.TransportException;
import org.bind.transport.inproc.InProcJob;
import org.bind.transport.inproc.InProcTransport;

/**
 * Runs a program on N ranks as threads of this JVM, like {@link InProcJob}, but lets the program send raw frames
 * from any rank's transport end, and watches every frame a rank's runtime handles: what escapes
 * {@code Receiver.onFrame} (it must handle bad frames itself) and the most memory handling one frame allocated.
 */
final class WatchedJob {
    /** A rank's program, given its Bind and the job (to send raw frames). */
    @FunctionalInterface
    interface RankProgram {
        void run(Bind bind, WatchedJob job) throws Exception;
    }

    /** Which sends fail (throw {@link TransportException}) instead of reaching their destination. */
    @FunctionalInterface
    interface SendFault {
        boolean fails(int fromRank, int toRank, ByteBuffer frame);
    }

    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private final long jobId;
    private final InProcTransport[] ends;
    private final Watched[] watched;

    private WatchedJob(int ranks, SendFault fault) {
        long id = ThreadLocalRandom.current().nextLong();
        this.jobId = id == 0 ? 1 : id;
        this.ends = InProcTransport.create(ranks);
        this.watched = new Watched[ranks];
        for (int r = 0; r < ranks; r++) {
            watched[r] = new Watched(ends[r], fault);
        }
    }

    long jobId() {
        return jobId;
    }

    /** Sends {@code frame} as rank {@code from} to rank {@code to}, bypassing the runtime of {@code from}. */
    void sendRaw(int from, int to, ByteBuffer frame) {
        ends[from].send(to, frame.duplicate());
    }

    /** Rank {@code rank} dies: its end closes and every started peer's transport reports it lost for {@code reason}. */
    void lose(int rank, String reason) {
        ends[rank].abort(reason);
    }

    /** What escaped the runtime's {@code onFrame} on {@code rank}. */
    List<Throwable> escaped(int rank) {
        return List.copyOf(watched[rank].escaped);
    }

    /** The most bytes the runtime of {@code rank} allocated while handling a single frame. */
    long largestAllocationPerFrame(int rank) {
        return watched[rank].largestAllocation.get();
    }

    /**
     * Runs {@code program} on {@code ranks} ranks; throws an {@link AssertionError} naming every rank that threw,
     * or, after printing every thread's stack, when the job does not finish within {@code timeoutS} seconds.
     */
    static WatchedJob run(int ranks, Supplier<Bind.Context> settings, long timeoutS, RankProgram program) {
        return run(ranks, settings, timeoutS, (from, to, frame) -> false, program);
    }

    /** As {@link #run(int, Supplier, long, RankProgram)}, with the runtime's sends that {@code fault} picks failing. */
    static WatchedJob run(int ranks, Supplier<Bind.Context> settings, long timeoutS, SendFault fault,
                          RankProgram program) {
        WatchedJob job = new WatchedJob(ranks, fault);
        Map<Integer, Throwable> failures = new TreeMap<>();
        Thread[] threads = new Thread[ranks];
        for (int r = 0; r < ranks; r++) {
            int rank = r;
            threads[r] = new Thread(() -> {
                try (Bind bind = Bind.init(settings.get().transport(job.watched[rank]).jobId(job.jobId))) {
                    program.run(bind, job);
                } catch (Throwable t) {
                    synchronized (failures) {
                        failures.put(rank, t);
                    }
                    job.ends[rank].abort("its program threw " + t);
                } finally {
                    job.ends[rank].close();
                }
            }, "bind-rank-" + r);
            threads[r].start();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutS);
        for (Thread thread : threads) {
            try {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for the ranks", e);
            }
            if (thread.isAlive()) {
                InProcJob.dumpThreads();
                for (InProcTransport end : job.ends) {
                    end.abort("the job timed out");
                }
                throw new AssertionError("job of " + ranks + " ranks did not finish within " + timeoutS
                    + " s; thread stacks printed to stderr");
            }
        }
        if (!failures.isEmpty()) {
            AssertionError error = new AssertionError(failures.size() + " rank(s) failed: " + failures);
            failures.values().forEach(error::addSuppressed);
            throw error;
        }
        return job;
    }

    /** A rank's transport end whose inbound frames pass through a watching receiver. */
    private static final class Watched extends InProcEnd {
        private final List<Throwable> escaped = new CopyOnWriteArrayList<>();
        private final AtomicLong largestAllocation = new AtomicLong();
        private final SendFault fault;

        Watched(InProcTransport end, SendFault fault) {
            super(end);
            this.fault = fault;
        }

        @Override
        Receiver watch(Receiver receiver) {
            return new Receiver() {
                @Override
                public void onFrame(int fromRank, ByteBuffer frame) {
                    long before = THREADS.getCurrentThreadAllocatedBytes();
                    try {
                        receiver.onFrame(fromRank, frame);
                    } catch (Throwable t) {
                        escaped.add(t);
                        throw t;
                    } finally {
                        largestAllocation.accumulateAndGet(THREADS.getCurrentThreadAllocatedBytes() - before, Math::max);
                    }
                }

                @Override
                public void onPeerLost(int rank, String reason) {
                    receiver.onPeerLost(rank, reason);
                }

                @Override
                public void onPeerClosed(int closedRank) {
                    receiver.onPeerClosed(closedRank);
                }
            };
        }

        @Override
        public void send(int toRank, ByteBuffer frame) {
            if (fault.fails(end.rank(), toRank, frame)) {
                throw new TransportException("send from rank " + end.rank() + " to rank " + toRank + " failed (test)");
            }
            end.send(toRank, frame);
        }

        @Override
        public void refuse(int peer) {
            end.refuse(peer);
        }

        @Override
        public long peerTimeoutMs() {
            return 2_000;
        }
    }
}
