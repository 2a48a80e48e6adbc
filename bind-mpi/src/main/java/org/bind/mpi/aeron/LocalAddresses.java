package org.bind.mpi.aeron;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

import org.bind.transport.TransportException;

/** This host's addresses and free UDP ports, for the ranks that choose their own Aeron endpoint (MPJ, Slurm). */
public final class LocalAddresses {
    private LocalAddresses() {
    }

    /** The addresses of this host's interfaces that are up, in the order the system lists them. */
    public static Set<InetAddress> ofThisHost() {
        Set<InetAddress> addresses = new LinkedHashSet<>();
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (nic.isUp()) {
                    addresses.addAll(Collections.list(nic.getInetAddresses()));
                }
            }
        } catch (SocketException e) {
            throw new TransportException("cannot list this host's network interfaces: " + e.getMessage(), e);
        }
        return addresses;
    }

    /** A UDP port free on {@code address} now (the system's choice; another process may take it later). */
    public static int freeUdpPort(InetAddress address) {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(address, 0))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new TransportException("cannot bind a UDP port on " + address.getHostAddress() + ": "
                + e.getMessage(), e);
        }
    }
}
