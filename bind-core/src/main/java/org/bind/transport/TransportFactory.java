package org.bind.transport;

import java.util.Map;

/**
 * Creates a rank's {@link Transport} when a launcher started the job (found with {@link java.util.ServiceLoader};
 * the Aeron and MPJ Express transports live in bind-mpi, so bind-core depends on neither).
 *
 * <p>{@code Bind.init(args)} picks the factory named by the environment variable {@value #TRANSPORT_ENV} (or the
 * system property {@code bind.transport}), hands it the program's arguments and the environment, and uses what
 * it returns. Without that variable the program runs as a job of one rank.
 */
public interface TransportFactory {
    /** Names the transport for launchers: {@code BIND_TRANSPORT=<name>}. */
    String TRANSPORT_ENV = "BIND_TRANSPORT";

    /** {@code aeron}, {@code mpj}, ... */
    String name();

    /**
     * Joins the job described by {@code environment} (rank, size, peers, job id, secret, as the launcher set
     * them) and {@code args} (a launcher such as {@code mpjrun} may put its own arguments first).
     *
     * @throws TransportException naming what is missing or wrong
     */
    Bootstrap join(String[] args, Map<String, String> environment);

    /**
     * What joining produced.
     *
     * @param transport       this rank's connected transport
     * @param jobId           the job id every frame carries
     * @param applicationArgs the program's own arguments, the launcher's removed
     */
    record Bootstrap(Transport transport, long jobId, String[] applicationArgs) {
    }
}
