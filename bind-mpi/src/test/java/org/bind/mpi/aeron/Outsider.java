package org.bind.mpi.aeron;

import static org.bind.mpi.TransportContractTest.await;

import java.io.File;
import java.util.concurrent.atomic.AtomicLong;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A process-like party without the job's secret: its own media driver and client, sessions of its own towards a
 * rank's endpoint ({@link #publication}), or listening on an endpoint no rank holds yet ({@link #listen}).
 */
final class Outsider implements AutoCloseable {
    private static final AtomicLong COUNT = new AtomicLong();
    private final File dir;
    private final MediaDriver driver;
    private final Aeron client;

    Outsider(AeronSettings job) {
        dir = new File(job.aeronDirRoot(), "bind-aeron-test-outsider-" + ProcessHandle.current().pid() + "-"
            + COUNT.incrementAndGet());
        driver = MediaDriver.launch(new MediaDriver.Context().aeronDirectoryName(dir.getPath())
            .threadingMode(ThreadingMode.SHARED).dirDeleteOnStart(true).dirDeleteOnShutdown(true)
            .publicationTermBufferLength(1 << 20).printConfigurationOnStart(false));
        client = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir.getPath()));
    }

    /** A new session towards {@code port} on loopback, once connected. */
    ExclusivePublication publication(int port) {
        ExclusivePublication publication = client.addExclusivePublication("aeron:udp?endpoint=127.0.0.1:" + port
            + "|mtu=1408", AeronTransport.STREAM_ID);
        await("the outsider's publication to connect", 5_000, publication::isConnected);
        return publication;
    }

    /** Listens on {@code port} on loopback (a rank's endpoint before the rank starts). */
    Subscription listen(int port) {
        return client.addSubscription("aeron:udp?endpoint=127.0.0.1:" + port, AeronTransport.STREAM_ID);
    }

    /** Offers {@code message} until it is accepted (at most 5 s). */
    static void send(ExclusivePublication publication, byte[] message) {
        UnsafeBuffer buffer = new UnsafeBuffer(message);
        await("the outsider's offer to succeed", 5_000, () -> publication.offer(buffer) > 0);
    }

    /** Closes client and driver (the driver's endpoints with it) and deletes the directory. */
    @Override
    public void close() {
        CloseHelper.quietCloseAll(client, driver);
        IoUtil.delete(dir, true);
    }
}
