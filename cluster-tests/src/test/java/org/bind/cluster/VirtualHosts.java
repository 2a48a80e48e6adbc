package org.bind.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Hosts made of Linux network namespaces on one machine: each has its own address on a private /24 behind a bridge
 * (veth pairs), its own host name (a UTS namespace per command, and {@code /etc/netns/NS/hosts}, which
 * {@code ip netns exec} mounts over {@code /etc/hosts}, so that every host resolves every name). Needs root and
 * {@code ip}; {@link #create} says why it cannot when it cannot. {@link #close} removes everything it made.
 */
final class VirtualHosts implements AutoCloseable {
    private final String prefix;
    private final List<String> namespaces = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private final List<String> addresses = new ArrayList<>();
    private boolean bridge;

    private VirtualHosts(String prefix) {
        this.prefix = prefix;
    }

    /** {@code count} hosts on a fresh private network. */
    static VirtualHosts create(int count) throws IOException, InterruptedException {
        byte[] random = new byte[3];
        new SecureRandom().nextBytes(random);
        String id = HexFormat.of().formatHex(random, 0, 2);
        VirtualHosts hosts = new VirtualHosts("bmh" + id);
        String subnet = "10." + (100 + (random[0] & 0xff) % 100) + "." + (random[2] & 0xff) + ".";
        try {
            String bridgeName = hosts.prefix + "br";
            run("ip", "link", "add", bridgeName, "type", "bridge");
            hosts.bridge = true;
            run("ip", "link", "set", bridgeName, "up");
            StringBuilder etcHosts = new StringBuilder("127.0.0.1 localhost\n");
            for (int h = 0; h < count; h++) {
                String name = "bindhost-" + (char) ('a' + h);
                hosts.names.add(name);
                hosts.addresses.add(subnet + (h + 1));
                etcHosts.append(subnet).append(h + 1).append(' ').append(name).append('\n');
            }
            for (int h = 0; h < count; h++) {
                String ns = hosts.prefix + (char) ('a' + h);
                run("ip", "netns", "add", ns);
                hosts.namespaces.add(ns);
                Path etc = Files.createDirectories(Path.of("/etc/netns", ns));
                Files.writeString(etc.resolve("hosts"), etcHosts, StandardCharsets.UTF_8);
                String inside = ns + "0";
                String outside = ns + "1";
                run("ip", "link", "add", inside, "type", "veth", "peer", "name", outside);
                run("ip", "link", "set", inside, "netns", ns);
                run("ip", "link", "set", outside, "master", bridgeName);
                run("ip", "link", "set", outside, "up");
                run("ip", "netns", "exec", ns, "ip", "addr", "add", hosts.addresses.get(h) + "/24", "dev", inside);
                run("ip", "netns", "exec", ns, "ip", "link", "set", inside, "up");
                run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
            }
            return hosts;
        } catch (IOException | RuntimeException e) {
            hosts.close();
            throw e;
        }
    }

    List<String> names() {
        return names;
    }

    List<String> addresses() {
        return addresses;
    }

    /** The network namespace of host {@code h}. */
    String namespace(int h) {
        return namespaces.get(h);
    }

    /** Host {@code h}'s network interface (inside its namespace): its end of the link to the bridge. */
    String device(int h) {
        return namespaces.get(h) + "0";
    }

    /** {@code command} run on host {@code h}: in its network namespace, with its host name. */
    List<String> on(int h, List<String> command) {
        List<String> wrapped = new ArrayList<>(List.of("ip", "netns", "exec", namespaces.get(h), "unshare", "--uts", "sh",
            "-c", "hostname \"$0\" && exec \"$@\"", names.get(h)));
        wrapped.addAll(command);
        return wrapped;
    }

    /** Removes the namespaces (with their veth ends), their hosts files and the bridge; best effort, idempotent. */
    @Override
    public void close() {
        for (String ns : namespaces) {
            quietly("ip", "netns", "del", ns);
            Path etc = Path.of("/etc/netns", ns);
            try {
                Files.deleteIfExists(etc.resolve("hosts"));
                Files.deleteIfExists(etc);
            } catch (IOException e) {
                System.err.println("VirtualHosts: cannot remove " + etc + ": " + e.getMessage());
            }
        }
        namespaces.clear();
        if (bridge) {
            quietly("ip", "link", "del", prefix + "br");
            bridge = false;
        }
    }

    private static void quietly(String... command) {
        try {
            run(command);
        } catch (IOException | RuntimeException e) {
            System.err.println("VirtualHosts: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs a set-up command; throws with its output when it fails. */
    static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish within 30 s");
        }
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (status " + process.exitValue() + "): " + output);
        }
        return output;
    }
}
