package org.bind.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bind.Bind;
import org.bind.mpi.aeron.AeronSettings;
import org.bind.mpi.aeron.AeronTransportFactory;
import org.bind.mpi.launch.MpjLauncher;
import org.bind.mpi.launch.ProcessLauncher;
import org.bind.transport.TransportFactory;

/**
 * How fast Bind moves versions between local processes, against the raw transports in the same run:
 *
 * <ol>
 *   <li><b>Bind point-to-point, same host</b>: 2 processes over Aeron IPC ({@code bin/bindrun -np 2}: the launcher's
 *       shared media driver); one array updated in place alternately on rank 1 and rank 0, so every step moves all
 *       of it ({@link TransferProgram});</li>
 *   <li><b>raw Aeron IPC</b>: ping-pong between 2 clients of the same launcher-run driver, same channel, MTU, term
 *       length and idle strategy, copying into a receive array ({@link AeronPingPong});</li>
 *   <li><b>Bind and raw Aeron between "hosts"</b>: the same two programs, each rank in a network namespace of its
 *       own ({@link NamespaceHosts}, as the multi-host tests make hosts) with its own media driver, talking UDP
 *       between the namespaces' addresses ({@code path=netns}); where namespaces cannot be made (not root, no
 *       {@code ip}, dockerd's FORWARD policy without the tests' rule) it says why and runs them on one host with
 *       {@code BIND_AERON_IPC=false}: UDP on 127.0.0.1 ({@code path=loopback});</li>
 *   <li><b>Bind between "hosts" with MACs</b>: Bind on the same path again with {@code -Dbind.wire.mac=true}: every
 *       frame authenticated with HMAC-SHA256 on both ends ({@code RESULT transfer-mac});</li>
 *   <li><b>Bind broadcast</b>: {@code --ranks} processes on one host; the array updated on rank 0 and read on every
 *       other rank, relayed down the runtime's tree; rate = bytes each receiver gets per second;</li>
 *   <li>for both Bind jobs on one host, every rank's CPU seconds over the timed repetitions, by thread role
 *       ({@code CPU mode bytes=B rank=R wall_s=.. process_s=.. main=.. bind-aeron=.. ...});</li>
 *   <li><b>MPJ Express</b>: niodev {@code Send}/{@code Recv} ping-pong between 2 processes ({@link MpjPingPong}),
 *       when MPJ Express is set up ({@code bin/setup-mpj}; {@code bin/bench} passes its home);</li>
 *   <li><b>Bind over MPJ</b>: the same two processes as the first item, started by MPJ Express on niodev with the
 *       data moving over MPJ ({@code bin/bindrun --transport mpj}, {@code bind.mpj.data=mpj}), right after MPJ's own
 *       ping-pong ({@code RESULT transfer-mpj}).</li>
 * </ol>
 *
 * <p>{@code --only same-host} runs the first two alone, {@code --only mpj} the last two (the other figures are then
 * NaN). Each figure is the median over {@code --reps} repetitions of at least 256 MiB each, after {@code --warmup}
 * untimed ones (every program the same; {@code --warmup 0}: two steps only, as before 2026-12-06). The last lines are
 * machine readable, for the largest size: {@code RESULT transfer bytes=B path=same-host bind_gb_s=X aeron_gb_s=Y
 * ratio=X/Y}, {@code RESULT transfer-hosts bytes=B path=netns|loopback bind_gb_s=.. aeron_gb_s=.. ratio=..},
 * {@code RESULT transfer-mac bytes=B path=netns|loopback bind_gb_s=.. mac_gb_s=.. ratio=mac/bind},
 * {@code RESULT broadcast ranks=N bytes=B per_receiver_gb_s=.. p2p_gb_s=X ratio=..} and
 * {@code RESULT transfer-mpj bytes=B bind_gb_s=.. mpj_gb_s=.. ratio=bind/mpj} (NaN where MPJ is not set up).
 */
public final class TransferBenchmark {
    /**
     * Repetitions of each size run untimed before the timed ones, by every program alike: the first size's timed
     * repetitions otherwise ran while the JIT compiled the runtime's paths (1 MiB rose from 0.14 to 1.3 GB/s over the
     * first 10 repetitions of 256 MiB, with the JIT compiling all along; raw Aeron's few paths compile at once).
     */
    static final int WARMUP_DEFAULT = 5;
    /** Start-up is not what this measures: on a busy machine the ranks' handshake can take over the default 10 s. */
    private static final String STARTUP = "-J-Dbind.connect.timeout.ms=120000";
    private static final Pattern LINE = Pattern.compile("TRANSFER (\\w+) bytes=(\\d+) gb_s=([0-9.]+)");
    /** Every rank prints its CPU seconds by thread role ({@link TransferProgram}); echoed as they come. */
    private static final String CPU = "-J-D" + TransferProgram.CPU_PROP_NAME + "=true";
    /** The UDP port each rank listens on in its own namespace (nothing else listens there). */
    private static final int HOSTS_PORT = 40_560;
    /** A job between the namespaces that takes longer than this is killed (a loaded machine is slow, not stuck). */
    private static final long HOSTS_TIMEOUT_MS = 30 * 60_000;

    private TransferBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        List<Integer> sizes = new ArrayList<>(List.of(1 << 20, 4 << 20, 16 << 20, 64 << 20));
        int reps = 5;
        int warmup = WARMUP_DEFAULT;
        int ranks = 4;
        String mpjHome = System.getProperty("bind.mpj.home", System.getenv("MPJ_HOME"));
        boolean aeronPaths = true;
        boolean otherPaths = true;
        boolean broadcastOnly = false;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--sizes-mib" -> {
                        sizes.clear();
                        for (String size : value(args, ++i).split(",")) {
                            sizes.add(bounded("--sizes-mib", size, 1, 512) << 20);
                        }
                    }
                    case "--reps" -> reps = bounded("--reps", value(args, ++i), 1, 1000);
                    case "--warmup" -> warmup = bounded("--warmup", value(args, ++i), 0, 1000);
                    case "--ranks" -> ranks = bounded("--ranks", value(args, ++i), 2, 64);
                    case "--mpj-home" -> mpjHome = value(args, ++i);
                    case "--only" -> {
                        switch (value(args, ++i)) {
                            case "mpj" -> aeronPaths = false;
                            case "same-host" -> otherPaths = false;
                            case "bcast" -> broadcastOnly = true;
                            default -> throw new IllegalArgumentException("--only takes mpj (MPJ's ping-pong and"
                                + " Bind over MPJ), same-host (Bind and raw Aeron over IPC) or bcast (Bind's"
                                + " point-to-point on one host and the broadcast)");
                        }
                    }
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println("transfer: " + e.getMessage());
            System.err.println("usage: bin/bench transfer [--sizes-mib 1,4,16,64] [--reps 5] [--warmup 5] [--ranks 4]"
                + " [--mpj-home DIR] [--only mpj|same-host|bcast]");
            System.exit(2);
            return;
        }
        String sizeList = String.join(",", sizes.stream().map(String::valueOf).toList());
        String repsText = Integer.toString(reps);
        String warmupText = Integer.toString(warmup);
        String classpath = System.getProperty("java.class.path");
        PrintStream out = System.out;
        out.printf(Locale.ROOT, "transfer: sizes %s MiB, %d repetitions (median) after %d warm-up repetitions,"
            + " broadcast on %d ranks, %d cores%n", sizes.stream().map(s -> Integer.toString(s >> 20)).toList(), reps,
            warmup, ranks,
            Runtime.getRuntime().availableProcessors());

        Map<Integer, Double> bind = Map.of();
        Map<Integer, Double> aeron = Map.of();
        Map<Integer, Double> bindUdp = Map.of();
        Map<Integer, Double> bindMac = Map.of();
        Map<Integer, Double> aeronUdp = Map.of();
        Map<Integer, Double> bcast = Map.of();
        String hostsPath = "netns";
        if (aeronPaths) {
            bind = launch("bind point-to-point, same host (aeron:ipc)", out, "pingpong",
                ProcessLauncher::run, STARTUP, CPU, "-np", "2", "--workers", "1", "-cp", classpath, "--",
                TransferProgram.class.getName(), "pingpong", sizeList, repsText, warmupText);
        }
        if (aeronPaths && !broadcastOnly) {
            aeron = launch("raw aeron, same host (aeron:ipc, the launcher's driver)", out, "aeron",
                ProcessLauncher::run, STARTUP, "-np", "2", "-cp", classpath, "--", AeronPingPong.class.getName(),
                sizeList, repsText, warmupText);
        }
        if (aeronPaths && otherPaths && !broadcastOnly) {
            try (NamespaceHosts hosts = NamespaceHosts.create(2)) {
                out.println("transfer: two hosts made of network namespaces " + hosts.addresses() + " (veth pairs and"
                    + " a bridge, as the multi-host tests make them): UDP between them, each rank with its own media"
                    + " driver");
                bindUdp = onHosts("bind point-to-point, two hosts (UDP between namespaces)", out, "pingpong", hosts,
                    List.of("-D" + Bind.Context.WORKERS_PROP_NAME + "=1"), classpath, TransferProgram.class.getName(),
                    "pingpong", sizeList, repsText, warmupText);
                bindMac = onHosts("bind point-to-point, two hosts, frames with MACs", out, "pingpong", hosts,
                    List.of("-D" + Bind.Context.WORKERS_PROP_NAME + "=1", "-Dbind.wire.mac=true"), classpath,
                    TransferProgram.class.getName(), "pingpong", sizeList, repsText, warmupText);
                aeronUdp = onHosts("raw aeron, two hosts (UDP between namespaces)", out, "aeron", hosts, List.of(),
                    classpath, AeronPingPong.class.getName(), sizeList, repsText, warmupText);
            } catch (IOException e) {
                hostsPath = "loopback";
                out.println("transfer: no network namespaces here (" + e.getMessage() + "): path=loopback instead,"
                    + " UDP on 127.0.0.1 between two processes, each with its own media driver (BIND_AERON_IPC=false)");
                bindUdp = withoutIpc(() -> launch("bind point-to-point, loopback UDP", out, "pingpong",
                    ProcessLauncher::run, STARTUP, "-np", "2", "--workers", "1", "-cp", classpath, "--",
                    TransferProgram.class.getName(), "pingpong", sizeList, repsText, warmupText));
                bindMac = withoutIpc(() -> launch("bind point-to-point, loopback UDP, frames with MACs", out,
                    "pingpong", ProcessLauncher::run, STARTUP, "-J-Dbind.wire.mac=true", "-np", "2", "--workers", "1",
                    "-cp", classpath, "--", TransferProgram.class.getName(), "pingpong", sizeList, repsText,
                    warmupText));
                aeronUdp = withoutIpc(() -> launch("raw aeron, loopback UDP", out, "aeron",
                    ProcessLauncher::run, STARTUP, "-np", "2", "-cp", classpath, "--", AeronPingPong.class.getName(),
                    sizeList, repsText, warmupText));
            }
        }
        if (aeronPaths && otherPaths) {
            bcast = launch("bind broadcast, same host (aeron:ipc)", out, "bcast",
                ProcessLauncher::run, STARTUP, CPU, "-np", Integer.toString(ranks), "--workers", "1", "-cp", classpath,
                "--",
                TransferProgram.class.getName(), "bcast", sizeList, repsText, warmupText);
        }
        Map<Integer, Double> mpj = Map.of();
        Map<Integer, Double> bindMpj = Map.of();
        if (!otherPaths) {
            out.println("transfer: --only same-host: skipping the other paths");
        } else if (broadcastOnly) {
            out.println("transfer: --only bcast: no raw Aeron, no namespace hosts, no MPJ");
        } else if (mpjHome == null || mpjHome.isBlank()
            || !Files.isRegularFile(Path.of(mpjHome, "lib/starter.jar"))) {
            out.println("transfer: MPJ Express is not set up (no MPJ home with lib/starter.jar; run bin/setup-mpj):"
                + " skipping its ping-pong");
        } else if (TransferBenchmark.class.getClassLoader().getResource("org/bind/bench/MpjPingPong.class") == null) {
            out.println("transfer: the benchmarks were built without MPJ Express (MpjPingPong is missing): skipping"
                + " its ping-pong");
        } else {
            mpj = launch("mpj niodev", out, "mpj", MpjLauncher::run, "-np", "2", "--mpj-home", mpjHome, "-cp",
                classpath, "--", "org.bind.bench.MpjPingPong", sizeList, repsText, warmupText);
            bindMpj = launch("bind point-to-point over mpj niodev (--transport mpj)", out, "pingpong", MpjLauncher::run,
                "-np", "2", "--mpj-home", mpjHome, "--workers", "1", "-cp", classpath, "--",
                TransferProgram.class.getName(), "pingpong", sizeList, repsText, warmupText);
        }

        String rule = "-".repeat(158);
        out.println(rule);
        out.printf(Locale.ROOT, "%8s %11s %11s %7s %11s %11s %7s %11s %7s %11s %11s %7s %13s %7s%n", "size MiB",
            "bind ipc", "aeron ipc", "ratio", "bind udp", "aeron udp", "ratio", "udp+mac", "ratio", "mpj niodev",
            "bind mpj", "ratio", "bcast" + ranks + "/recv", "ratio");
        out.println(rule);
        for (int size : sizes) {
            double x = rate(bind, size);
            double y = rate(aeron, size);
            double u = rate(bindUdp, size);
            double v = rate(aeronUdp, size);
            double b = rate(bcast, size);
            double m = rate(bindMac, size);
            double p = rate(mpj, size);
            double q = rate(bindMpj, size);
            out.printf(Locale.ROOT, "%8d %11.3f %11.3f %7.2f %11.3f %11.3f %7.2f %11.3f %7.2f %11.3f %11.3f %7.2f"
                + " %13.3f %7.2f%n", size >> 20, x, y, x / y, u, v, u / v, m, m / u, p, q, q / p, b, b / x);
        }
        out.println(rule + "\n(GB/s, median of " + reps + "; udp+mac ratio: over bind udp; bind mpj ratio: over mpj"
            + " niodev; bcast ratio: per receiver over bind point-to-point on the same host; mpj niodev is TCP)");
        int largest = sizes.stream().mapToInt(Integer::intValue).max().orElseThrow();
        double p = rate(mpj, largest);
        double q = rate(bindMpj, largest);
        if (!aeronPaths) {
            printMpjResult(out, largest, q, p);
            System.exit(Double.isNaN(q) ? 1 : 0);
        }
        double x = rate(bind, largest);
        if (broadcastOnly) {
            printBroadcastResult(out, ranks, largest, rate(bcast, largest), x);
            System.exit(Double.isNaN(x) || Double.isNaN(rate(bcast, largest)) ? 1 : 0);
        }
        double y = rate(aeron, largest);
        double u = rate(bindUdp, largest);
        double v = rate(aeronUdp, largest);
        double b = rate(bcast, largest);
        out.printf(Locale.ROOT, "RESULT transfer bytes=%d path=same-host bind_gb_s=%.3f aeron_gb_s=%.3f ratio=%.2f%n",
            largest, x, y, x / y);
        out.printf(Locale.ROOT, "RESULT transfer-hosts bytes=%d path=%s bind_gb_s=%.3f aeron_gb_s=%.3f"
            + " ratio=%.2f%n", largest, hostsPath, u, v, u / v);
        double m = rate(bindMac, largest);
        out.printf(Locale.ROOT, "RESULT transfer-mac bytes=%d path=%s bind_gb_s=%.3f mac_gb_s=%.3f ratio=%.2f%n",
            largest, hostsPath, u, m, m / u);
        printBroadcastResult(out, ranks, largest, b, x);
        printMpjResult(out, largest, q, p);
        if (Double.isNaN(x) || Double.isNaN(y)) {
            System.exit(1);
        }
    }

    private static void printBroadcastResult(PrintStream out, int ranks, int bytes, double perReceiver, double p2p) {
        out.printf(Locale.ROOT, "RESULT broadcast ranks=%d bytes=%d per_receiver_gb_s=%.3f p2p_gb_s=%.3f ratio=%.2f%n",
            ranks, bytes, perReceiver, p2p, perReceiver / p2p);
    }

    private static void printMpjResult(PrintStream out, int bytes, double bind, double mpj) {
        out.printf(Locale.ROOT, "RESULT transfer-mpj bytes=%d bind_gb_s=%.3f mpj_gb_s=%.3f ratio=%.2f%n", bytes, bind,
            mpj, bind / mpj);
    }

    private static double rate(Map<Integer, Double> rates, int size) {
        return rates.getOrDefault(size, Double.NaN);
    }

    /** Runs {@code job} with the launcher starting no shared driver: its ranks talk UDP on loopback. */
    private static <T> T withoutIpc(java.util.function.Supplier<T> job) {
        String property = AeronSettings.IPC_ENV.toLowerCase(Locale.ROOT).replace('_', '.');
        String before = System.getProperty(property);
        System.setProperty(property, "false");
        try {
            return job.get();
        } finally {
            if (before == null) {
                System.clearProperty(property);
            } else {
                System.setProperty(property, before);
            }
        }
    }

    /**
     * Runs {@code mainClass} as a job of two ranks, rank h on host h of {@code hosts}, talking Aeron UDP between their
     * addresses (each with its own driver), as ranks on two hosts do; echoes rank 0's output and returns size → GB/s
     * from its {@code TRANSFER mode} lines.
     */
    private static Map<Integer, Double> onHosts(String title, PrintStream echo, String mode, NamespaceHosts hosts,
                                                List<String> flags, String classpath, String mainClass,
                                                String... args) throws InterruptedException {
        echo.println("transfer: " + title + " ...");
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString())));
        command.addAll(List.of("--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "--add-opens",
            "java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens", "java.base/java.nio=ALL-UNNAMED",
            "-Dnet.bytebuddy.safe=true"));
        for (String entry : classpath.split(java.io.File.pathSeparator)) {
            if (Path.of(entry).getFileName().toString().matches("bind-core.*\\.jar")) {
                command.add("-javaagent:" + entry);
                break;
            }
        }
        command.addAll(flags);
        command.addAll(List.of("-cp", classpath, mainClass));
        command.addAll(List.of(args));
        SecureRandom random = new SecureRandom();
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        String job = Long.toHexString(random.nextLong());
        String peers = String.join(",", hosts.addresses().stream().map(a -> a + ":" + HOSTS_PORT).toList());
        List<Map<String, String>> environments = new ArrayList<>();
        for (int h = 0; h < hosts.addresses().size(); h++) {
            environments.add(Map.of(TransportFactory.TRANSPORT_ENV, "aeron", AeronTransportFactory.RANK_ENV,
                Integer.toString(h), AeronTransportFactory.SIZE_ENV, Integer.toString(hosts.addresses().size()),
                AeronTransportFactory.JOB_ENV, job, AeronTransportFactory.PEERS_ENV, peers,
                AeronTransportFactory.SECRET_ENV, HexFormat.of().formatHex(secret), AeronSettings.IPC_ENV, "false",
                AeronSettings.CONNECT_TIMEOUT_ENV, "120000"));
        }
        Map<Integer, Double> rates = new LinkedHashMap<>();
        try {
            String output = hosts.runOnAll(command, environments, HOSTS_TIMEOUT_MS).get(0);
            for (String line : output.lines().toList()) {
                Matcher m = LINE.matcher(line);
                if (m.find() && m.group(1).equals(mode)) {
                    rates.put(Integer.parseInt(m.group(2)), Double.parseDouble(m.group(3)));
                    echo.println("  " + line.substring(m.start()));
                }
            }
        } catch (IOException e) {
            echo.println("transfer: " + title + " failed: " + e.getMessage());
        }
        return rates;
    }

    /** A launcher entry point: arguments, output, errors → exit status. */
    @FunctionalInterface
    private interface Launcher {
        int run(String[] args, PrintStream out, PrintStream err);
    }

    /** Runs one job, echoes its output, and returns size → GB/s from its {@code TRANSFER mode} lines. */
    private static Map<Integer, Double> launch(String title, PrintStream echo, String mode, Launcher launcher,
                                               String... args) {
        echo.println("transfer: " + title + " ...");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream captured = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        int status = launcher.run(args, captured, captured);
        String output;
        synchronized (captured) {
            output = bytes.toString(StandardCharsets.UTF_8);
        }
        Map<Integer, Double> rates = new LinkedHashMap<>();
        for (String line : output.lines().toList()) {
            Matcher m = LINE.matcher(line);
            if (m.find() && m.group(1).equals(mode)) {
                rates.put(Integer.parseInt(m.group(2)), Double.parseDouble(m.group(3)));
                echo.println("  " + line.substring(m.start()));
            } else if (line.contains("CPU " + mode + " ")) {
                echo.println("  " + line.substring(line.indexOf("CPU " + mode + " ")));
            }
        }
        if (status != 0 || rates.isEmpty()) {
            echo.println("transfer: " + title + " failed (status " + status + "):");
            output.lines().forEach(l -> echo.println("  | " + l));
        }
        return rates;
    }

    private static String value(String[] args, int index) {
        if (index >= args.length) {
            throw new IllegalArgumentException(args[index - 1] + " needs a value");
        }
        return args[index];
    }

    private static int bounded(String flag, String value, int min, int max) {
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(flag + " '" + value + "' must be an integer in [" + min + ", " + max + "]");
    }
}
