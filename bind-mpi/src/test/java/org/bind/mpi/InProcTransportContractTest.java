package org.bind.mpi;

import org.bind.transport.Transport;
import org.bind.transport.inproc.InProcTransport;

class InProcTransportContractTest extends TransportContractTest {
    @Override
    protected Transport[] create(int size) {
        return InProcTransport.create(size);
    }

    @Override
    protected String threadPrefix() {
        return "bind-inproc-";
    }
}
