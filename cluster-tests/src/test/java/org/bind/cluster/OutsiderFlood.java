package org.bind.cluster;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.bind.mpi.aeron.AeronSettings;
import org.bind.mpi.aeron.AeronTransport;
import org.bind.transport.Frames;

/**
 * An outsider: a process of its own, with its own media driver and no secret, that floods every rank's endpoint
 * with messages of every type byte from sessions of its own. {@code args}: seed, go file, stop file, job id (hex),
 * ranks, then one UDP port per rank (loopback). It opens {@value #SESSIONS} sessions towards each port, creates the
 * go file, then until the stop file appears (at most {@value #LIMIT_S} s) offers, on every connected session, random
 * messages: every type byte with random bytes, HELLOs of the job in any rank's name (right protocol and build, or
 * another build; whole or truncated), AUTHs with random proofs, REJECTs, ACCEPTs, goodbyes, data, a DATA_FIRST
 * claiming 2^31-1 bytes and data messages of up to 100 KB (several fragments). At the end it prints, per rank,
 * {@code outsider to rank R messages M fragments F} (the offers that succeeded and their Aeron fragments).
 */
public final class OutsiderFlood {
    static final int SESSIONS = 2;
    static final int LIMIT_S = 120;
    static final int MTU = 1408;
    static final int FRAGMENT_PAYLOAD = MTU - 32;

    private OutsiderFlood() {
    }

    public static void main(String[] args) throws Exception {
        Random random = new Random(Long.parseLong(args[0]));
        Path go = Path.of(args[1]);
        Path stop = Path.of(args[2]);
        long jobId = Long.parseUnsignedLong(args[3], 16);
        int size = Integer.parseInt(args[4]);
        int[] ports = new int[size];
        for (int r = 0; r < size; r++) {
            ports[r] = Integer.parseInt(args[5 + r]);
        }
        File dir = new File(new File("/dev/shm").isDirectory() ? "/dev/shm" : System.getProperty("java.io.tmpdir"),
            "bind-test-outsider-" + ProcessHandle.current().pid());
        MediaDriver driver = MediaDriver.launch(new MediaDriver.Context().aeronDirectoryName(dir.getPath())
            .threadingMode(ThreadingMode.SHARED).dirDeleteOnStart(true).dirDeleteOnShutdown(true)
            .publicationTermBufferLength(1 << 20).printConfigurationOnStart(false));
        Aeron client = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir.getPath()));
        long[] messages = new long[size];
        long[] fragments = new long[size];
        try {
            List<ExclusivePublication> sessions = new ArrayList<>();
            for (int r = 0; r < size; r++) {
                for (int s = 0; s < SESSIONS; s++) {
                    sessions.add(client.addExclusivePublication("aeron:udp?endpoint=127.0.0.1:" + ports[r] + "|mtu="
                        + MTU, AeronTransport.STREAM_ID));
                }
            }
            Files.createFile(go);
            System.out.println("outsider ready");
            String build = AeronSettings.defaultBuildId();
            long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(LIMIT_S);
            while (!Files.exists(stop) && System.nanoTime() < deadlineNs) {
                for (int i = 0; i < sessions.size(); i++) {
                    ExclusivePublication session = sessions.get(i);
                    if (!session.isConnected()) {
                        continue;
                    }
                    byte[] message = message(random, jobId, size, build);
                    if (session.offer(new UnsafeBuffer(message)) > 0) {
                        int rank = i / SESSIONS;
                        messages[rank]++;
                        fragments[rank] += (message.length + FRAGMENT_PAYLOAD - 1) / FRAGMENT_PAYLOAD;
                    }
                }
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(50));
            }
        } finally {
            CloseHelper.quietCloseAll(client, driver);
            IoUtil.delete(dir, true);
        }
        for (int r = 0; r < size; r++) {
            System.out.println("outsider to rank " + r + " messages " + messages[r] + " fragments " + fragments[r]);
        }
    }

    static byte[] message(Random random, long jobId, int size, String build) {
        int kind = random.nextInt(12);
        return switch (kind) {
            case 0, 1 -> hello(random, jobId, size, random.nextInt(size), build);
            case 2 -> truncate(random, hello(random, jobId, size, random.nextInt(size), build));
            case 3 -> hello(random, jobId, size, random.nextInt(size), "other-build");
            case 4 -> {
                ByteBuffer out = le(61).put((byte) 2).putLong(jobId).putInt(random.nextInt(size));
                byte[] rest = new byte[16 + 32];
                random.nextBytes(rest);
                yield out.put(rest).array();
            }
            case 5 -> ("\4rank " + random.nextInt(size) + " rejected you").getBytes(StandardCharsets.UTF_8);
            case 6 -> new byte[] {(byte) (3 + random.nextInt(5))};   // ACCEPT, REJECT, HEARTBEAT, BYE, BYE_ACK
            case 7 -> le(105).put((byte) 9).putInt(Integer.MAX_VALUE).array();
            case 8 -> {
                byte[] large = new byte[1 + random.nextInt(100_000)];
                random.nextBytes(large);
                large[0] = (byte) (8 + random.nextInt(3));   // DATA, DATA_FIRST, DATA_MORE
                yield large;
            }
            default -> {
                byte[] any = new byte[1 + random.nextInt(80)];
                random.nextBytes(any);
                yield any;
            }
        };
    }

    private static byte[] hello(Random random, long jobId, int size, int rank, String build) {
        byte[] buildBytes = build.getBytes(StandardCharsets.UTF_8);
        byte[] nonce = new byte[16];
        random.nextBytes(nonce);
        return le(39 + buildBytes.length).put((byte) 1).putShort(AeronSettings.PROTOCOL_VERSION)
            .putShort(Frames.PROTOCOL_VERSION).putLong(jobId).putInt(rank).putInt(size).put(nonce)
            .putShort((short) buildBytes.length).put(buildBytes).array();
    }

    private static byte[] truncate(Random random, byte[] message) {
        return java.util.Arrays.copyOf(message, 1 + random.nextInt(message.length - 1));
    }

    private static ByteBuffer le(int length) {
        return ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    }
}
