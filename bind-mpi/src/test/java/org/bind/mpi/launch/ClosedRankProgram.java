package org.bind.mpi.launch;

import java.util.Iterator;
import java.util.ServiceLoader;

import org.bind.Bind;
import org.bind.IntArray;
import org.bind.Scope;
import org.bind.transport.TransportFactory;

/**
 * Rank 1 submits the first ops, closes its transport (saying goodbye) and ends its JVM without a sync; the other
 * ranks read its data and sync: they must fail naming rank 1, not wait for it.
 */
@SuppressWarnings("try")   // scopes are entered for their effect
public final class ClosedRankProgram {
    private ClosedRankProgram() {
    }

    public static void main(String[] args) {
        TransportFactory.Bootstrap joined = aeron().join(args, System.getenv());
        Bind bind = Bind.init(new Bind.Context().transport(joined.transport()).jobId(joined.jobId()));
        System.out.println("rank " + bind.rank() + " job " + System.getenv("BIND_JOB") + " ready");
        IntArray a = IntArray.of(1_000);
        IntArray b = IntArray.of(1_000);
        try (Scope s = bind.on(1)) {
            SmokeProgram.Ops.fill(a, 1);
        }
        if (bind.rank() == 1) {
            // said before the close: once it is closed the others fail, and the launcher may stop this rank
            System.out.println("rank 1 closes its transport");
            System.out.flush();
            joined.transport().close();
            Runtime.getRuntime().halt(0);   // ends as a JVM does: no sync, no abort
        }
        SmokeProgram.Ops.addInto(a, b);   // common: every rank waits for a from rank 1
        try {
            bind.sync();
            System.out.println("rank " + bind.rank() + " synced");
        } finally {
            bind.abort("the program is over");
        }
    }

    private static TransportFactory aeron() {
        Iterator<TransportFactory> factories = ServiceLoader.load(TransportFactory.class).iterator();
        while (factories.hasNext()) {
            TransportFactory factory = factories.next();
            if (factory.name().equals("aeron")) {
                return factory;
            }
        }
        throw new IllegalStateException("no aeron transport on the classpath");
    }
}
