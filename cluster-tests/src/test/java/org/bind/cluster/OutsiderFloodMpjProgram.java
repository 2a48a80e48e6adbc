package org.bind.cluster;

import org.bind.Bind;
import org.bind.mpi.aeron.AeronBacked;
import org.bind.mpi.aeron.AeronTransport;
import org.bind.mpi.mpj.MpjTransportFactory;
import org.bind.transport.Transport;
import org.bind.transport.TransportFactory;

/**
 * The ranks of a {@code --machines} job (started by MPJ Express, frames over Aeron) that outsiders on their hosts
 * ({@link HostOutsider}) flood. Each rank joins as {@code Bind.init(args)} does, keeping the transport so that it can
 * read the Aeron transport's counters, prints {@code rank R pid P connected-ns T} once every peer has proved the job's
 * secret ({@link System#nanoTime()}, comparable with the outsiders' on one machine), runs
 * {@link OutsiderFloodProgram#exchange} and prints {@code rank R ok dropped=D rejected=P errors=E} (or
 * {@code WRONG}).
 */
public final class OutsiderFloodMpjProgram {
    private OutsiderFloodMpjProgram() {
    }

    public static void main(String[] args) throws Exception {
        TransportFactory.Bootstrap joined = new MpjTransportFactory().join(args, System.getenv());
        long connectedNs = System.nanoTime();
        Transport transport = joined.transport();
        if (!(transport instanceof AeronBacked backed)) {
            throw new IllegalStateException("not over Aeron: " + transport.getClass().getName()
                + " (launch with --data aeron)");
        }
        AeronTransport aeron = backed.aeron();
        int rank = transport.rank();
        System.out.println("rank " + rank + " pid " + ProcessHandle.current().pid() + " connected-ns " + connectedNs);
        try (Bind bind = Bind.init(new Bind.Context().transport(transport).jobId(joined.jobId()))) {
            boolean ok = OutsiderFloodProgram.exchange(bind);
            System.out.println("rank " + rank + (ok ? " ok" : " WRONG") + " dropped=" + aeron.droppedMessages()
                + " rejected=" + aeron.rejectedPeers() + " errors=" + aeron.errors());
        }
    }
}
