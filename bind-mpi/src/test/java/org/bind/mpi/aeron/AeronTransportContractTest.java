package org.bind.mpi.aeron;

import static org.junit.jupiter.api.Assertions.assertFalse;

import org.bind.mpi.TransportContractTest;
import org.bind.transport.Transport;

class AeronTransportContractTest extends TransportContractTest {
    @Override
    protected Transport[] create(int size) {
        return AeronTestJobs.create(AeronTestJobs.settings(size));
    }

    @Override
    protected boolean landsFrames() {
        return true;
    }

    @Override
    protected String threadPrefix() {
        return "bind-aeron-";
    }

    @Override
    protected void assertNoFilesLeft(Transport[] closed) {
        for (Transport transport : closed) {
            assertFalse(((AeronTransport) transport).aeronDir().exists(), "Aeron directory left behind");
        }
    }
}
