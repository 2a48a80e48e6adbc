package org.bind.cluster;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.bind.Bind;
import org.bind.BindException;
import org.bind.mpi.aeron.AeronSettings;
import org.bind.mpi.aeron.AeronTransportFactory;
import org.bind.transport.Frames;

/**
 * A 2-process job in which rank 1 is a {@link RawPeer} that joined with the job's secret and floods rank 0 with
 * {@code args[0]} versions of {@code args[1]} MiB each, in 1 MiB chunks, all of an epoch far ahead (data nobody
 * has asked for, nor will). Rank 0 runs Bind with default settings and waits in {@code sync()}; the flood arrives
 * before the flooder's {@code SYNC}.
 *
 * <p>Rank 0 prints {@code victim refused: MESSAGE} when its sync fails (or {@code victim synced} when it does not),
 * then {@code victim retained MiB R of M peak P} (the heap in use after a full collection once the flood is refused,
 * the maximum heap, and the peak use of the old generation over the run, garbage included). The
 * flooder prints {@code flooder sent K versions} (or where it stopped) and {@code flooder done}.
 */
public final class UnclaimedFloodProgram {
    static final long FAR_EPOCH = 1L << 40;
    static final long FAR_OBJECT = 1L << 40;
    private static final int CHUNK_BYTES = 1 << 20;
    private static final Duration LIMIT = Duration.ofSeconds(90);

    private UnclaimedFloodProgram() {
    }

    public static void main(String[] args) throws Exception {
        int versions = Integer.parseInt(args[0]);
        int versionMiB = Integer.parseInt(args[1]);
        ProgramSupport.announce();
        AeronSettings settings = AeronTransportFactory.settings(System.getenv());
        if (settings.rank() == 1) {
            flood(settings, versions, versionMiB);
        } else {
            victim(args);
        }
    }

    private static void victim(String[] args) {
        try (Bind bind = Bind.init(args)) {
            try {
                bind.sync();
                System.out.println("victim synced");
            } catch (BindException e) {
                System.out.println("victim refused: " + e.getMessage());
            }
            System.gc();
            long retained = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            System.out.println("victim retained MiB " + (retained >> 20) + " of " + (Runtime.getRuntime().maxMemory() >> 20)
                + " peak " + (oldGenerationPeakBytes() >> 20));
        } catch (BindException closing) {
            System.out.println("victim closed: " + closing.getMessage());
        }
    }

    /** The peak use of the heap's old generation since the JVM started (G1 allocates large arrays there). */
    private static long oldGenerationPeakBytes() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getName().contains("Old Gen") && pool.getPeakUsage() != null) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak;
    }

    private static void flood(AeronSettings settings, int versions, int versionMiB) {
        int total = versionMiB << 20;
        int chunks = total / CHUNK_BYTES;
        byte[] message = new byte[1 + Frames.HEADER_BYTES + CHUNK_BYTES];
        message[0] = RawPeer.DATA;
        ByteBuffer frame = ByteBuffer.wrap(message, 1, message.length - 1).slice().order(ByteOrder.LITTLE_ENDIAN);
        try (RawPeer peer = new RawPeer(settings, settings.termBytes())) {
            peer.connect(LIMIT);
            int sent = 0;
            try {
                for (; sent < versions; sent++) {
                    for (int c = 0; c < chunks; c++) {
                        ByteBuffer header = Frames.header(Frames.DATA, settings.jobId(), FAR_EPOCH, settings.rank(),
                            FAR_OBJECT + sent, 1, c, chunks, total, CHUNK_BYTES);
                        frame.put(0, header, header.position(), header.remaining());
                        peer.send(0, message);
                    }
                }
                System.out.println("flooder sent " + sent + " versions");
            } catch (RuntimeException stopped) {
                System.out.println("flooder stopped at version " + sent + ": " + stopped.getMessage());
            }
            long deadlineNs = System.nanoTime() + LIMIT.toNanos();
            while (!peer.allSaidBye() && System.nanoTime() < deadlineNs) {
                if (peer.poll() == 0) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                }
                peer.takeFrames();
            }
        }
        System.out.println("flooder done");
    }
}
