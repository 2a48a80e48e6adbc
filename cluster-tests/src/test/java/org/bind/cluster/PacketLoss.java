package org.bind.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Random packet loss on a node container's link without {@code sch_netem} (which this kernel lacks): the host's
 * {@code iptables}, run in the container's network namespace ({@code nsenter -t PID -n}), appends to the node's
 * INPUT chain a rule that drops each packet arriving on {@code eth0} with the given probability ({@code -m statistic
 * --mode random}), and counts what it dropped. On INPUT the sender sees nothing (on OUTPUT its send would fail with
 * EPERM): the packet is lost on the way, as on a lossy link. The rule lives in the container's namespace and goes with it. Needs
 * root, {@code nsenter} and {@code iptables} on this host, and the kernel's {@code xt_statistic}.
 */
final class PacketLoss {
    private PacketLoss() {
    }

    /** The rule's arguments after the chain: drop a packet arriving on eth0 with {@code probability}. */
    static List<String> rule(double probability) {
        return List.of("-i", "eth0", "-m", "statistic", "--mode", "random", "--probability",
            String.format(Locale.ROOT, "%.4f", probability), "-m", "comment", "--comment", "bind packet loss", "-j",
            "DROP");
    }

    /** Adds the rule in the network namespace of process {@code pid} (a node's first process); throws with why not. */
    static void add(long pid, double probability) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(iptables(pid));
        command.addAll(List.of("-A", "INPUT"));
        command.addAll(rule(probability));
        String failure = run(command);
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
    }

    /** Why loss cannot be added in {@code pid}'s namespace (null: it can): lists its INPUT chain as a probe. */
    static String unavailable(long pid) throws IOException, InterruptedException {
        List<String> check = new ArrayList<>(iptables(pid));
        check.addAll(List.of("-S", "INPUT"));
        return run(check);
    }

    /** Packets the rule has dropped in {@code pid}'s namespace so far. */
    static long dropped(long pid) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(iptables(pid));
        command.addAll(List.of("-L", "INPUT", "-v", "-n", "-x"));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(30, TimeUnit.SECONDS);
        for (String line : text.lines().toList()) {
            String[] words = line.trim().split("\\s+");
            if (line.contains("bind packet loss") && words.length > 2 && words[2].equals("DROP")) {
                return Long.parseLong(words[0]);
            }
        }
        throw new IllegalStateException("no loss rule in the namespace of pid " + pid + ":\n" + text);
    }

    private static List<String> iptables(long pid) {
        return List.of("nsenter", "-t", Long.toString(pid), "-n", "iptables", "-w", "10");
    }

    /** Runs {@code command}; null when it succeeded, else what it printed. */
    private static String run(List<String> command) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return String.join(" ", command) + ": " + e.getMessage();
        }
        String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return String.join(" ", command) + " did not end within 30 s";
        }
        return process.exitValue() == 0 ? null : String.join(" ", command) + " failed (status " + process.exitValue()
            + "): " + text;
    }
}
