package org.bind.mpi.slurm;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.bind.mpi.aeron.AeronSettings;
import org.bind.mpi.aeron.LocalAddresses;
import org.bind.transport.TransportException;
import org.bind.transport.TransportFactory;

/**
 * {@code BIND_TRANSPORT=slurm}: joins as rank {@code SLURM_PROCID} of the {@code srun} step this task belongs to
 * ({@link SlurmStep}), with no launcher: the tasks meet in a private rendezvous directory ({@link Rendezvous}) and
 * then talk over the Aeron transport, authenticated with the secret rank 0 drew for the step.
 *
 * <p>Where a rank listens: on a step of one node, 127.0.0.1 (the same-host path {@code bin/bindrun -np N} uses);
 * across nodes, {@value #ADDRESS_ENV} when set, else the address this node's name ({@code SLURMD_NODENAME})
 * resolves to among this host's own, not loopback; ranks of one node then reach each other through that address,
 * which the kernel delivers locally. Settings (environment, or the system property in lower-case dotted form):
 * {@value #DIR_ENV} (the rendezvous root, default {@code ~/.bind/slurm}; must be shared by the step's nodes),
 * {@value #TIMEOUT_ENV} (how long a rank waits for the others to reach it, default {@value #TIMEOUT_MS_DEFAULT}
 * ms), and the Aeron transport's own ({@code BIND_HEARTBEAT_TIMEOUT_MS}...; the connect timeout defaults to
 * {@value #CONNECT_TIMEOUT_MS_DEFAULT} ms here). Stateless; thread safe.
 */
public final class SlurmTransportFactory implements TransportFactory {
    public static final String NAME = "slurm";
    public static final String DIR_ENV = "BIND_SLURM_DIR";
    public static final String TIMEOUT_ENV = "BIND_SLURM_RENDEZVOUS_MS";
    public static final long TIMEOUT_MS_DEFAULT = 60_000;
    public static final String ADDRESS_ENV = "BIND_AERON_ADDRESS";
    /**
     * The handshake's limit unless {@code BIND_CONNECT_TIMEOUT_MS} sets one (the launchers' default too): after
     * the rendezvous every peer is known to run, and a node busy starting its JVMs should not fail the job.
     */
    public static final long CONNECT_TIMEOUT_MS_DEFAULT = 30_000;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Bootstrap join(String[] args, Map<String, String> environment) {
        SlurmStep step = SlurmStep.of(environment);
        Rendezvous rendezvous = Rendezvous.of(root(environment), step, timeoutMs(environment));
        SlurmTransport transport;
        // stopped while waiting for the others (scancel, the time limit): leave no rendezvous file behind
        Thread leaveOnExit = new Thread(rendezvous::leave, "bind-slurm-rendezvous-cleanup");
        Runtime.getRuntime().addShutdownHook(leaveOnExit);
        try {
            InetAddress address = listenAddress(step, setting(environment, ADDRESS_ENV));
            int port = LocalAddresses.freeUdpPort(address);
            Rendezvous.Credentials credentials = rendezvous.credentials();
            rendezvous.publish(endpoint(address, port));
            List<InetSocketAddress> peers = new ArrayList<>(step.size());
            for (String endpoint : rendezvous.endpoints()) {
                int colon = endpoint.lastIndexOf(':');
                String host = endpoint.substring(0, colon);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                peers.add(InetSocketAddress.createUnresolved(host, Integer.parseInt(endpoint.substring(colon + 1))));
            }
            AeronSettings settings = AeronSettings.of(step.rank(), step.size(), credentials.jobId(), peers,
                credentials.secret(), environment);
            if (setting(environment, AeronSettings.CONNECT_TIMEOUT_ENV) == null) {
                settings = settings.withTimeouts(TimeUnit.NANOSECONDS.toMillis(settings.heartbeatNs()),
                    TimeUnit.NANOSECONDS.toMillis(settings.heartbeatTimeoutNs()), CONNECT_TIMEOUT_MS_DEFAULT);
            }
            transport = new SlurmTransport(settings, rendezvous);
        } catch (RuntimeException e) {
            rendezvous.leave();
            throw e;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(leaveOnExit);   // the transport's own hook does it now
            } catch (IllegalStateException e) {
                // the JVM is exiting: the hook runs
            }
        }
        transport.connect();
        return new Bootstrap(transport, transport.jobId(), args.clone());
    }

    /** The rendezvous root: {@value #DIR_ENV}, else {@code ~/.bind/slurm}. */
    static Path root(Map<String, String> environment) {
        String configured = setting(environment, DIR_ENV);
        return configured != null ? Path.of(configured) : Path.of(System.getProperty("user.home"), ".bind", "slurm");
    }

    static long timeoutMs(Map<String, String> environment) {
        String value = setting(environment, TIMEOUT_ENV);
        if (value == null) {
            return TIMEOUT_MS_DEFAULT;
        }
        try {
            long parsed = Long.parseLong(value.trim());
            if (parsed > 0) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new TransportException(TIMEOUT_ENV + "='" + value + "' is not a positive number of milliseconds");
    }

    /** Where this rank listens (see the class comment). */
    static InetAddress listenAddress(SlurmStep step, String configured) {
        if (configured != null) {
            try {
                return InetAddress.getByName(configured.trim());
            } catch (UnknownHostException e) {
                throw new TransportException(ADDRESS_ENV + "=" + configured + " does not resolve");
            }
        }
        if (step.nodes() == 1) {
            return InetAddress.getLoopbackAddress();
        }
        String node = step.nodeName();
        InetAddress[] named;
        try {
            named = node.isEmpty() ? new InetAddress[] {InetAddress.getLocalHost()} : InetAddress.getAllByName(node);
        } catch (UnknownHostException e) {
            throw new TransportException("this node's name '" + node + "' (" + SlurmStep.NODE_NAME_ENV + ") does not"
                + " resolve: set " + ADDRESS_ENV + " to the address other nodes reach this one at");
        }
        Set<InetAddress> local = LocalAddresses.ofThisHost();
        for (InetAddress candidate : named) {
            if (!candidate.isLoopbackAddress() && local.contains(candidate)) {
                return candidate;
            }
        }
        List<InetAddress> names = List.of(named);
        throw new TransportException("this node's name '" + node + "' resolves to " + names + ", none of which is a"
            + " non-loopback address of this host " + local + ": set " + ADDRESS_ENV + " to the address other nodes"
            + " reach this one at");
    }

    private static String endpoint(InetAddress address, int port) {
        String host = address.getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /** {@code name} from {@code environment}, else its system property (lower case, dots); null when unset. */
    static String setting(Map<String, String> environment, String name) {
        String value = environment.get(name);
        if (value == null || value.isBlank()) {
            value = System.getProperty(name.toLowerCase(Locale.ROOT).replace('_', '.'));
        }
        return value == null || value.isBlank() ? null : value.trim();
    }
}
