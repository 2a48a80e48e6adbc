package org.bind.mpi.aeron;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.aeron.driver.MediaDriver;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;
import org.bind.mpi.launch.ProcessLauncher;

/** Settings and transports for jobs of several Aeron ranks in one JVM. */
final class AeronTestJobs {
    private AeronTestJobs() {
    }

    /** One job's settings per rank: free loopback ports, a fresh job id and secret. */
    static AeronSettings[] settings(int size) {
        return settings(size, Map.of());
    }

    /** As {@link #settings(int)}, with tuning from {@code tuning} (environment variable names). */
    static AeronSettings[] settings(int size, Map<String, String> tuning) {
        SecureRandom random = new SecureRandom();
        long jobId = random.nextLong();
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        List<InetSocketAddress> peers = new ArrayList<>();
        for (int port : ProcessLauncher.freeUdpPorts(size)) {
            peers.add(InetSocketAddress.createUnresolved("127.0.0.1", port));
        }
        AeronSettings[] settings = new AeronSettings[size];
        for (int r = 0; r < size; r++) {
            settings[r] = AeronSettings.of(r, size, jobId, peers, secret, tuning);
        }
        return settings;
    }

    /**
     * {@code settings} as ranks of one host sharing {@code driver}'s media driver (IPC), which the caller started with
     * {@link #sharedDriver} and closes.
     */
    static AeronSettings[] ipc(AeronSettings[] settings) {
        AeronSettings[] shared = new AeronSettings[settings.length];
        for (int r = 0; r < settings.length; r++) {
            shared[r] = settings[r].withSharedDir(settings[r].jobSharedDir().getPath());
        }
        return shared;
    }

    /** Starts the media driver that the ranks of {@code settings}' job share on this host, as the launcher does. */
    static MediaDriver sharedDriver(AeronSettings settings) {
        return EmbeddedAeron.launchDriver(settings, settings.jobSharedDir(),
            error -> System.err.println("shared test driver: " + error));
    }

    static AeronTransport[] create(AeronSettings[] settings) {
        AeronTransport[] transports = new AeronTransport[settings.length];
        for (int r = 0; r < settings.length; r++) {
            transports[r] = new AeronTransport(settings[r]);
        }
        return transports;
    }

    /**
     * Ranks of one host sharing one media driver over IPC ({@link #ipc}, {@link #sharedDriver}): the transports it
     * opened, the driver and the job's shared directory go on {@link #close}.
     */
    static final class IpcJob implements AutoCloseable {
        final AeronSettings[] settings;
        final MediaDriver driver;
        final List<AeronTransport> opened = new ArrayList<>();

        IpcJob(AeronSettings[] jobSettings) {
            this.settings = ipc(jobSettings);
            this.driver = sharedDriver(settings[0]);
        }

        /** A transport for {@code rank}, not started; closed with the job. */
        AeronTransport open(int rank) {
            AeronTransport transport = new AeronTransport(settings[rank]);
            opened.add(transport);
            return transport;
        }

        @Override
        public void close() {
            opened.forEach(AeronTransport::close);
            CloseHelper.quietClose(driver);
            IoUtil.delete(settings[0].jobSharedDir(), true);
        }
    }
}
