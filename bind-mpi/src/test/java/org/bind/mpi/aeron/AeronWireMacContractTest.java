package org.bind.mpi.aeron;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Map;

import org.bind.mpi.TransportContractTest;
import org.bind.transport.Transport;

/** The transport contract with every frame between ranks carrying a MAC ({@code bind.wire.mac=true}). */
class AeronWireMacContractTest extends TransportContractTest {
    @Override
    protected Transport[] create(int size) {
        return AeronTestJobs.create(AeronTestJobs.settings(size, Map.of(AeronSettings.WIRE_MAC_ENV, "true")));
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
