package org.bind.mpi.aeron;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

import io.aeron.driver.MediaDriver;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;
import org.bind.mpi.TransportContractTest;
import org.bind.transport.Transport;
import org.junit.jupiter.api.AfterEach;

/**
 * The transport contract over Aeron IPC: the ranks of each job are clients of one media driver, started as the
 * launcher starts it. No rank makes a directory of its own, and closing the driver removes its directory.
 */
class AeronIpcTransportContractTest extends TransportContractTest {
    private final List<MediaDriver> drivers = new ArrayList<>();
    private final List<File> sharedDirs = new ArrayList<>();
    private final List<Transport> transports = new ArrayList<>();

    @Override
    protected Transport[] create(int size) {
        AeronSettings[] settings = AeronTestJobs.ipc(AeronTestJobs.settings(size));
        sharedDirs.add(settings[0].jobSharedDir());
        drivers.add(AeronTestJobs.sharedDriver(settings[0]));
        Transport[] created = AeronTestJobs.create(settings);
        transports.addAll(List.of(created));
        return created;
    }

    /** The transports first (closing is idempotent), then the drivers and their directories. */
    @AfterEach
    void closeDrivers() {
        transports.forEach(Transport::close);
        drivers.forEach(CloseHelper::quietClose);
        sharedDirs.forEach(dir -> IoUtil.delete(dir, true));
    }

    @Override
    protected boolean landsFrames() {
        return true;
    }

    @Override
    protected String threadPrefix() {
        return "bind-aeron-";
    }

    /**
     * The ranks made no directory of their own; the driver freed the log buffers of their publications once they
     * closed; closing the driver and removing its private directory, as the launcher does, leaves nothing.
     */
    @Override
    protected void assertNoFilesLeft(Transport[] closed) {
        File shared = ((AeronTransport) closed[0]).aeronDir();
        for (Transport transport : closed) {
            File own = ((AeronTransport) transport).settings().aeronDir();
            assertFalse(own.exists(), "a rank of an IPC job made a directory of its own: " + own);
        }
        File logs = new File(EmbeddedAeron.driverDir(shared), "publications");
        await("the driver to free the closed ranks' log buffers", 30_000, () -> {
            String[] left = logs.list();
            return left == null || left.length == 0;
        });
        drivers.forEach(MediaDriver::close);
        assertFalse(EmbeddedAeron.driverDir(shared).exists(), "the driver's directory is left after its close");
        IoUtil.delete(shared, false);
        assertFalse(shared.exists(), "the shared driver's private directory is left");
    }
}
