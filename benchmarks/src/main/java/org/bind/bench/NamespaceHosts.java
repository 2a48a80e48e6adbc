package org.bind.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Two or more "hosts" for {@code bin/bench transfer}, made as the multi-host tests make them (cluster-tests'
 * {@code VirtualHosts}): one Linux network namespace per host, each with its own address on a private /24, joined by
 * veth pairs to one bridge. Names start with {@code bmh}, so that the FORWARD rule {@code bin/setup-docker} keeps for
 * those tests ({@code -i bmh+ -o bmh+ -j ACCEPT}) also lets these through while dockerd's policy is DROP. Traffic
 * between two of them crosses two veth pairs and the bridge in the kernel, as UDP between hosts would cross a wire.
 * {@link #create} says why it cannot when it cannot (not root, no {@code ip}, FORWARD dropping without the rule);
 * {@link #close} removes everything it made.
 */
final class NamespaceHosts implements AutoCloseable {
    private static final String FORWARD_RULE = "-A FORWARD -i bmh+ -o bmh+ -m comment"
        + " --comment \"bind namespace tests\" -j ACCEPT";

    private final String prefix;
    private final List<String> namespaces = new ArrayList<>();
    private final List<String> addresses = new ArrayList<>();
    private boolean bridge;

    private NamespaceHosts(String prefix) {
        this.prefix = prefix;
    }

    /**
     * {@code count} hosts on a fresh private network.
     *
     * @throws IOException naming why they cannot be made here
     */
    static NamespaceHosts create(int count) throws IOException, InterruptedException {
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new IOException("network namespaces need root (running as " + System.getProperty("user.name") + ")");
        }
        checkForwarding();
        byte[] random = new byte[3];
        new SecureRandom().nextBytes(random);
        NamespaceHosts hosts = new NamespaceHosts("bmhb" + HexFormat.of().formatHex(random, 0, 2));
        String subnet = "10." + (100 + (random[0] & 0xff) % 100) + "." + (random[2] & 0xff) + ".";
        try {
            String bridgeName = hosts.prefix + "br";
            run("ip", "link", "add", bridgeName, "type", "bridge");
            hosts.bridge = true;
            run("ip", "link", "set", bridgeName, "up");
            for (int h = 0; h < count; h++) {
                String ns = hosts.prefix + (char) ('a' + h);
                run("ip", "netns", "add", ns);
                hosts.namespaces.add(ns);
                hosts.addresses.add(subnet + (h + 1));
                run("ip", "link", "add", ns + "0", "type", "veth", "peer", "name", ns + "1");
                run("ip", "link", "set", ns + "0", "netns", ns);
                run("ip", "link", "set", ns + "1", "master", bridgeName);
                run("ip", "link", "set", ns + "1", "up");
                run("ip", "netns", "exec", ns, "ip", "addr", "add", hosts.addresses.get(h) + "/24", "dev", ns + "0");
                run("ip", "netns", "exec", ns, "ip", "link", "set", ns + "0", "up");
                run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
            }
            return hosts;
        } catch (IOException | RuntimeException e) {
            hosts.close();
            throw e;
        }
    }

    /** Bridged traffic passes FORWARD once br_netfilter is loaded: dockerd's DROP policy needs the tests' rule. */
    private static void checkForwarding() throws IOException, InterruptedException {
        String forward;
        try {
            forward = run("iptables", "-w", "10", "-S", "FORWARD");
        } catch (IOException noIptables) {
            return; // no firewall tool: nothing filters FORWARD
        }
        if (forward.lines().anyMatch(line -> line.equals("-P FORWARD DROP"))
            && forward.lines().noneMatch(line -> line.equals(FORWARD_RULE))) {
            throw new IOException("the iptables FORWARD policy is DROP (dockerd) and the rule that lets namespace"
                + " bridges through is missing; bin/setup-docker adds it (iptables -I FORWARD -i bmh+ -o bmh+ ...)");
        }
    }

    List<String> addresses() {
        return addresses;
    }

    /**
     * Runs {@code command} on every host at once, host {@code h} with {@code environments.get(h)} added, and returns
     * each one's output (standard output and error), once all exited.
     *
     * @throws IOException when one does not exit within {@code timeoutMs} (all are killed) or exits non-zero
     */
    List<String> runOnAll(List<String> command, List<Map<String, String>> environments, long timeoutMs)
        throws IOException, InterruptedException {
        List<Process> processes = new ArrayList<>();
        List<StringBuilder> outputs = new ArrayList<>();
        List<Thread> readers = new ArrayList<>();
        try {
            for (int h = 0; h < namespaces.size(); h++) {
                List<String> wrapped = new ArrayList<>(List.of("ip", "netns", "exec", namespaces.get(h)));
                wrapped.addAll(command);
                ProcessBuilder builder = new ProcessBuilder(wrapped).redirectErrorStream(true);
                builder.environment().putAll(environments.get(h));
                Process process = builder.start();
                processes.add(process);
                StringBuilder output = new StringBuilder();
                outputs.add(output);
                Thread reader = new Thread(() -> drain(process.getInputStream(), output), "netns-output-" + h);
                reader.start();
                readers.add(reader);
            }
            long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            for (int h = 0; h < processes.size(); h++) {
                long leftNs = Math.max(0, deadlineNs - System.nanoTime());
                if (!processes.get(h).waitFor(leftNs, TimeUnit.NANOSECONDS)) {
                    throw new IOException("host " + h + " did not finish within " + timeoutMs + " ms");
                }
            }
            for (Thread reader : readers) {
                reader.join(10_000);
            }
            List<String> result = new ArrayList<>();
            for (int h = 0; h < processes.size(); h++) {
                synchronized (outputs.get(h)) {
                    result.add(outputs.get(h).toString());
                }
                if (processes.get(h).exitValue() != 0) {
                    throw new IOException("host " + h + " exited with status " + processes.get(h).exitValue() + ":\n"
                        + result.get(h));
                }
            }
            return result;
        } finally {
            processes.forEach(Process::destroyForcibly);
        }
    }

    private static void drain(InputStream in, StringBuilder output) {
        try (in) {
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                synchronized (output) {
                    output.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes the namespaces (with their veth ends) and the bridge; best effort, idempotent. */
    @Override
    public void close() {
        for (String ns : namespaces) {
            quietly("ip", "netns", "del", ns);
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
            System.err.println("transfer: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs a set-up command; throws with its output when it fails. */
    private static String run(String... command) throws IOException, InterruptedException {
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
