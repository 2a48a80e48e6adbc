package org.bind.cluster;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import io.aeron.ExclusivePublication;
import org.bind.Bind;
import org.bind.In;
import org.bind.IntArray;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;
import org.bind.dag.Counters;
import org.bind.mpi.aeron.AeronSettings;
import org.bind.mpi.aeron.AeronTransport;
import org.bind.mpi.aeron.AeronTransportFactory;
import org.bind.transport.Frames;
import org.bind.transport.Transport;

/**
 * A job in which one rank ({@code args[1]}) is a frame fuzzer and the others run a Bind program over the Aeron
 * transport. {@code args}: seed, fuzzer rank, random messages per random epoch.
 *
 * <p>The fuzzer is a {@link RawPeer}: it joins the job with the job's secret, so its garbage reaches past the
 * handshake. It takes part in {@code sync()} by echoing each rank's own SYNC frame back to it (so the ranks agree
 * that the fuzzer submitted what they did; nothing is ever placed on the fuzzer's rank). Before the echo of epoch e
 * it sends that rank the epoch's batch ({@link Garbage}): 0: transport-level garbage, and an outsider's session
 * (another job's HELLO, a forged proof, goodbyes and data without a proof); 1: runtime frames with bad headers and
 * payloads; 2: versions and failures of an epoch that is over; 3 to {@value #EPOCHS} - 2: random garbage; the last:
 * well-formed control frames of an epoch that is over. A rank handles frames from one session in order, so when its
 * {@code sync()} of epoch e returns it has handled every message of batches 0..e: the fuzzer prints what it must
 * have counted then ({@code fuzzer to rank R epoch E expects transport=T runtime=U rejected=P}).
 *
 * <p>Each other rank (a victim) builds its transport as {@code Bind.init} does, watching it: after each epoch's
 * {@code sync()} it checks its data against the same computation in plain Java and prints
 * {@code rank R epoch E ok transport=T runtime=U rejected=P} (the transport's dropped messages and rejected proofs,
 * the runtime's dropped frames), then, at the end, {@code rank R largest allocation per frame A (a frame of L bytes),
 * in epochs 0 and 1 W, poller allocated B errors C} (A: handling one frame after epoch 1, when the first frame of
 * each kind has paid for one-time class initialisation; W: in epochs 0 and 1; B: by the transport's polling
 * thread, which copies every message; C: the transport's errors); when its transport first rejects a proof it
 * prints {@code rank R rejected a proof at T} (wall clock).
 */
@SuppressWarnings("try")   // scopes are entered for their effect
public final class FrameFuzzProgram {
    static final int EPOCHS = 8;
    private static final int ROUNDS = 20;
    private static final int N = 1_000;
    private static final Duration LIMIT = Duration.ofSeconds(120);

    private FrameFuzzProgram() {
    }

    static final class Ops {
        @Op
        static void fill(@Out IntArray a, int step) {
            int[] x = a.data();
            for (int i = 0; i < x.length; i++) {
                x[i] = step * 7 + i;
            }
        }

        @Op
        static void addInto(@In IntArray a, IntArray accumulator) {
            int[] x = a.data();
            int[] y = accumulator.data();
            for (int i = 0; i < y.length; i++) {
                y[i] += x[i];
            }
        }
    }

    public static void main(String[] args) throws Exception {
        long seed = Long.parseLong(args[0]);
        int fuzzer = Integer.parseInt(args[1]);
        int randomPerEpoch = Integer.parseInt(args[2]);
        ProgramSupport.announce();
        AeronSettings settings = AeronTransportFactory.settings(System.getenv());
        if (settings.rank() == fuzzer) {
            fuzz(settings, seed, randomPerEpoch);
        } else {
            victim(settings, fuzzer);
        }
    }

    // ---------------------------------------------------------------- the fuzzer

    private static void fuzz(AeronSettings settings, long seed, int randomPerEpoch) {
        long maxVersionBytes = Long.getLong(Bind.Context.MAX_VERSION_BYTES_PROP_NAME,
            Bind.Context.defaultMaxVersionBytes()); // the ranks' JVMs have this one's heap
        int size = settings.size();
        Garbage[] garbage = new Garbage[size];
        long[][] expected = new long[size][3];   // transport drops, runtime drops, rejected proofs
        for (int r = 0; r < size; r++) {
            garbage[r] = new Garbage(settings.jobId(), settings.rank(), settings.maxFrameBytes(), maxVersionBytes,
                new Random(seed * 31 + r));
        }
        try (RawPeer peer = new RawPeer(settings, settings.termBytes())) {
            peer.connect(LIMIT);
            System.out.println("fuzzer connected");
            long deadlineNs = System.nanoTime() + LIMIT.toNanos();
            while (!peer.allSaidBye() || !peer.flushed()) {
                if (System.nanoTime() > deadlineNs) {
                    throw new IllegalStateException("the ranks did not say goodbye within " + LIMIT);
                }
                if (peer.poll() == 0) {
                    LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
                }
                for (RawPeer.Received received : peer.takeFrames()) {
                    Frames.Header header = Frames.parse(ByteBuffer.wrap(received.frame()), settings.jobId(), 64 << 20);
                    if (header.type() != Frames.SYNC) {
                        continue;
                    }
                    int rank = received.fromRank();
                    long epoch = header.epoch();
                    if (epoch == 0) {
                        outsider(peer, rank, settings, expected[rank]);
                    }
                    List<Garbage.Message> batch = batch(garbage[rank], epoch, randomPerEpoch);
                    for (Garbage.Message message : batch) {
                        peer.send(rank, message.bytes());
                        expected[rank][0] += message.transportDrops();
                        expected[rank][1] += message.runtimeDrops();
                    }
                    byte[] echo = new byte[1 + received.frame().length];
                    echo[0] = RawPeer.DATA;
                    System.arraycopy(received.frame(), 0, echo, 1, received.frame().length);
                    ByteBuffer.wrap(echo).order(ByteOrder.LITTLE_ENDIAN).putInt(1 + 24, settings.rank());
                    peer.send(rank, echo);
                    System.out.println("fuzzer to rank " + rank + " epoch " + epoch + " sent " + batch.size()
                        + " expects transport=" + expected[rank][0] + " runtime=" + expected[rank][1] + " rejected="
                        + expected[rank][2]);
                }
            }
        }
        System.out.println("fuzzer done");
    }

    private static List<Garbage.Message> batch(Garbage garbage, long epoch, int randomPerEpoch) {
        if (epoch == 0) {
            return garbage.transportBatch();
        } else if (epoch == 1) {
            return garbage.runtimeBatch(0);
        } else if (epoch == 2) {
            return garbage.staleDataBatch(0);
        } else if (epoch < EPOCHS - 1) {
            return garbage.randomBatch(randomPerEpoch);
        } else if (epoch == EPOCHS - 1) {
            return garbage.staleControlBatch(0);
        }
        return List.of();
    }

    /**
     * From a session that has proved nothing: another job's HELLO, a HELLO for the fuzzer's own (active) rank, a
     * forged proof over the victim's nonce, a rejection, a goodbye, data, a 2^31-1-byte DATA_FIRST and a 200 KB
     * message in 4 fragments: each is dropped and counted, the proof also counted as rejected.
     */
    private static void outsider(RawPeer peer, int rank, AeronSettings settings, long[] expected) {
        try (ExclusivePublication outsider = peer.outsider(rank, Duration.ofSeconds(10))) {
            byte[] otherJob = hello(settings, settings.jobId() + 1);
            byte[] sameRank = hello(settings, settings.jobId());
            byte[] forged = peer.forgedAuth(rank);
            byte[] first = ByteBuffer.allocate(105).order(ByteOrder.LITTLE_ENDIAN).put(RawPeer.DATA_FIRST)
                .putInt(Integer.MAX_VALUE).array();
            byte[] large = new byte[200_001];
            large[0] = RawPeer.DATA;
            int fragments = (large.length + settings.mtuBytes() - 32 - 1) / (settings.mtuBytes() - 32);
            peer.sendOn(outsider, otherJob);
            peer.sendOn(outsider, sameRank);
            peer.sendOn(outsider, forged);
            System.out.println("fuzzer forged a proof to rank " + rank + " at " + System.currentTimeMillis());
            peer.sendOn(outsider, new byte[] {RawPeer.REJECT, 'n', 'o'});
            peer.sendOn(outsider, new byte[] {RawPeer.BYE});
            peer.sendOn(outsider, new byte[] {RawPeer.DATA, 1, 2, 3});
            peer.sendOn(outsider, first);
            peer.sendOn(outsider, large);
            // other job, a HELLO for an active rank, proof, REJECT, BYE, DATA, DATA_FIRST, fragments
            expected[0] += 1 + 1 + 1 + 1 + 1 + 1 + 1 + fragments;
            expected[2] += 1;
        }
    }

    private static byte[] hello(AeronSettings settings, long jobId) {
        byte[] build = settings.buildId().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(23 + RawPeer.NONCE_BYTES + build.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(RawPeer.HELLO).putShort(settings.protocolVersion()).putShort(Frames.PROTOCOL_VERSION).putLong(jobId)
            .putInt(settings.rank()).putInt(settings.size()).put(new byte[RawPeer.NONCE_BYTES])
            .putShort((short) build.length).put(build);
        return out.array();
    }

    // ---------------------------------------------------------------- a victim

    private static void victim(AeronSettings settings, int fuzzer) throws InterruptedException {
        AeronTransport transport = new AeronTransport(settings);
        try {
            transport.awaitConnected();
        } catch (RuntimeException e) {
            transport.close();
            throw e;
        }
        int rank = settings.rank();
        Thread monitor = new Thread(() -> {
            while (transport.rejectedPeers() == 0) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
            }
            System.out.println("rank " + rank + " rejected a proof at " + System.currentTimeMillis());
        }, "rejection-monitor");
        monitor.setDaemon(true);
        monitor.start();
        WatchedTransport watched = new WatchedTransport(transport);
        int[] victims = new int[2];
        for (int r = 0, v = 0; r < settings.size() && v < 2; r++) {
            if (r != fuzzer) {
                victims[v++] = r;
            }
        }
        try (Bind bind = Bind.init(new Bind.Context().transport(watched).jobId(settings.jobId()))) {
            IntArray a = IntArray.of(N);
            IntArray b = IntArray.of(N);
            IntArray[] accumulators = {IntArray.of(N), IntArray.of(N)};
            int[] oracle = new int[N];
            int step = 0;
            long warmUpAllocation = 0;
            for (int epoch = 0; epoch < EPOCHS; epoch++) {
                for (int round = 0; round < ROUNDS; round++, step++) {
                    try (Scope s = bind.on(victims[0])) {
                        Ops.fill(a, step);
                    }
                    try (Scope s = bind.on(victims[1])) {
                        Ops.addInto(a, accumulators[1]);
                        Ops.fill(b, step);
                    }
                    try (Scope s = bind.on(victims[0])) {
                        Ops.addInto(b, accumulators[0]);
                    }
                    for (int i = 0; i < N; i++) {
                        oracle[i] += step * 7 + i;
                    }
                }
                bind.sync();
                int[] mine = accumulators[rank == victims[0] ? 0 : 1].toArray();
                Counters counters = bind.counters();
                System.out.println("rank " + rank + " epoch " + epoch + (Arrays.equals(oracle, mine) ? " ok" : " WRONG")
                    + " transport=" + transport.droppedMessages() + " runtime=" + counters.framesDropped() + " rejected="
                    + transport.rejectedPeers());
                if (epoch == 1) {
                    // the first frames of each kind pay for one-time class initialisation and call-site linkage
                    warmUpAllocation = watched.largestAllocation.getAndSet(0);
                }
            }
            System.out.println("rank " + rank + " largest allocation per frame " + watched.largestAllocation.get()
                + " (a frame of " + watched.largestFrame + " bytes), in epochs 0 and 1 " + warmUpAllocation
                + ", poller allocated " + allocatedBy("bind-aeron-" + rank) + " errors " + transport.errors());
        }
    }

    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Bytes allocated so far by the live thread named {@code name}. */
    private static long allocatedBy(String name) {
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().equals(name)) {
                return THREADS.getThreadAllocatedBytes(thread.getId());
            }
        }
        throw new IllegalStateException("no thread named " + name);
    }

    /** A transport whose inbound frames pass through a receiver that measures what handling each one allocates. */
    private static final class WatchedTransport implements Transport {
        private final Transport transport;
        /** The most bytes handling one frame allocated, and that frame's length (delivery thread only). */
        final AtomicLong largestAllocation = new AtomicLong();
        volatile int largestFrame;

        WatchedTransport(Transport transport) {
            this.transport = transport;
        }

        @Override
        public int rank() {
            return transport.rank();
        }

        @Override
        public int size() {
            return transport.size();
        }

        @Override
        public void start(Receiver receiver) {
            transport.start(new Receiver() {
                @Override
                public void onFrame(int fromRank, ByteBuffer frame) {
                    int length = frame.remaining();
                    long before = THREADS.getCurrentThreadAllocatedBytes();
                    try {
                        receiver.onFrame(fromRank, frame);
                    } finally {
                        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
                        if (allocated > largestAllocation.get()) {
                            largestAllocation.set(allocated);
                            largestFrame = length;
                        }
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
            });
        }

        @Override
        public void send(int toRank, ByteBuffer frame) {
            transport.send(toRank, frame);
        }

        @Override
        public void refuse(int peer) {
            transport.refuse(peer);
        }

        @Override
        public void close() {
            transport.close();
        }
    }
}
