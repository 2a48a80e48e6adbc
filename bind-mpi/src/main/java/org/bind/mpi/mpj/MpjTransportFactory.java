package org.bind.mpi.mpj;

import java.util.Map;

import org.bind.transport.TransportException;
import org.bind.transport.TransportFactory;

/**
 * The {@code mpj} transport: {@code BIND_TRANSPORT=mpj} in a program started by {@code mpjrun} or MPJ's
 * {@code starter.jar} makes {@code Bind.init(args)} join the MPJ job (see {@link MpjJoin}).
 *
 * <p>This class does not touch MPJ's API, so the factory can always be listed for {@link java.util.ServiceLoader}:
 * MPJ Express is not on Maven Central, and bind-mpi compiles {@link MpjJoin} and {@link MpjTransport} only where
 * {@code /usr/share/java/mpj.jar} exists (the {@code mpj} profile; {@code bin/setup-mpj} installs it). Joining
 * without them fails with a message saying what is missing.
 */
public final class MpjTransportFactory implements TransportFactory {
    /** The name launchers put in {@value TransportFactory#TRANSPORT_ENV}. */
    public static final String NAME = "mpj";
    private static final String JOIN_CLASS = "org.bind.mpi.mpj.MpjJoin";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Bootstrap join(String[] args, Map<String, String> environment) {
        ClassLoader loader = MpjTransportFactory.class.getClassLoader();
        try {
            Class.forName("mpi.MPI", false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new TransportException("MPJ Express (mpi.MPI from mpj.jar) is not on the classpath: start the program"
                + " with mpjrun or $MPJ_HOME/lib/starter.jar (bin/setup-mpj prints MPJ_HOME)", e);
        }
        TransportFactory join;
        try {
            join = Class.forName(JOIN_CLASS, true, loader).asSubclass(TransportFactory.class)
                .getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new TransportException("bind-mpi was built without MPJ Express (" + JOIN_CLASS + " is missing):"
                + " run bin/setup-mpj, then rebuild bind-mpi", e);
        }
        return join.join(args, environment);
    }
}
