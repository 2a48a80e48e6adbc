package org.bind.mpi.aeron;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.bind.transport.TransportException;
import org.bind.transport.TransportFactory;

/**
 * {@code BIND_TRANSPORT=aeron}: joins a job whose ranks were started by a launcher, which describes the job in
 * {@value #RANK_ENV}, {@value #SIZE_ENV}, {@value #JOB_ENV} (hex), {@value #PEERS_ENV} (comma-separated
 * {@code host:port}, index = rank; each rank listens on its own entry) and {@value #SECRET_ENV} (hex, may be empty on
 * one host: peers then prove only the job id, and reaching a loopback port already requires a local account).
 * Returns once every peer has completed the handshake; a job of one rank starts no transport at all (the returned
 * bootstrap's transport is null, as for a program run alone). A launcher that names itself in {@code BIND_LAUNCHER_PID} is
 * watched: the rank exits when it is gone ({@link LauncherWatch}). Stateless; thread safe.
 */
public final class AeronTransportFactory implements TransportFactory {
    public static final String RANK_ENV = "BIND_RANK";
    public static final String SIZE_ENV = "BIND_SIZE";
    public static final String JOB_ENV = "BIND_JOB";
    public static final String PEERS_ENV = "BIND_PEERS";
    public static final String SECRET_ENV = "BIND_SECRET";
    /** The launcher's process id: a rank exits when that process is gone. */
    public static final String LAUNCHER_PID_ENV = "BIND_LAUNCHER_PID";

    @Override
    public String name() {
        return "aeron";
    }

    @Override
    public Bootstrap join(String[] args, Map<String, String> environment) {
        AeronSettings settings = settings(environment);
        LauncherWatch.start(environment, settings.rank());
        if (settings.size() == 1) {
            // A job of one rank has no peer to talk to: no media driver, no polling thread taking CPU from the
            // workers; it runs as a program started alone does, still ending with its launcher.
            return new Bootstrap(null, settings.jobId(), args.clone());
        }
        AeronTransport transport = new AeronTransport(settings);
        try {
            transport.awaitConnected();
        } catch (RuntimeException e) {
            transport.close();
            throw e;
        }
        return new Bootstrap(transport, settings.jobId(), args.clone());
    }

    /** The settings {@code environment} describes. */
    public static AeronSettings settings(Map<String, String> environment) {
        int size = (int) integer(environment, SIZE_ENV, 1, Integer.MAX_VALUE);
        int rank = (int) integer(environment, RANK_ENV, 0, size - 1);
        long jobId;
        String job = required(environment, JOB_ENV);
        try {
            jobId = Long.parseUnsignedLong(job, 16);
        } catch (NumberFormatException e) {
            throw new TransportException(JOB_ENV + "='" + job + "' is not a hexadecimal job id");
        }
        List<InetSocketAddress> peers = peers(required(environment, PEERS_ENV), size);
        String secretText = environment.getOrDefault(SECRET_ENV, "");
        byte[] secret;
        try {
            secret = HexFormat.of().parseHex(secretText.trim());
        } catch (IllegalArgumentException e) {
            throw new TransportException(SECRET_ENV + " is not hexadecimal (" + secretText.length() + " characters)");
        }
        return AeronSettings.of(rank, size, jobId, peers, secret, environment);
    }

    private static List<InetSocketAddress> peers(String text, int size) {
        String[] entries = text.split(",", -1);
        if (entries.length != size) {
            throw new TransportException(PEERS_ENV + " lists " + entries.length + " endpoints for " + size + " ranks: '"
                + text + "'");
        }
        List<InetSocketAddress> peers = new ArrayList<>(size);
        for (String entry : entries) {
            String trimmed = entry.trim();
            int colon = trimmed.lastIndexOf(':');
            int port = -1;
            if (colon > 0) {
                try {
                    port = Integer.parseInt(trimmed.substring(colon + 1));
                } catch (NumberFormatException e) {
                    port = -1;
                }
            }
            if (port < 1 || port > 65_535) {
                throw new TransportException(PEERS_ENV + " entry '" + trimmed + "' is not host:port");
            }
            peers.add(InetSocketAddress.createUnresolved(trimmed.substring(0, colon), port));
        }
        return peers;
    }

    private static String required(Map<String, String> environment, String name) {
        String value = environment.get(name);
        if (value == null || value.isBlank()) {
            throw new TransportException(name + " is not set; start the program with bin/bindrun or ProcessLauncher");
        }
        return value.trim();
    }

    private static long integer(Map<String, String> environment, String name, long min, long max) {
        String value = required(environment, name);
        try {
            long parsed = Long.parseLong(value);
            if (parsed < min || parsed > max) {
                throw new TransportException(name + "=" + parsed + " out of range [" + min + ", " + max + "]");
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new TransportException(name + "='" + value + "' is not a number");
        }
    }
}
