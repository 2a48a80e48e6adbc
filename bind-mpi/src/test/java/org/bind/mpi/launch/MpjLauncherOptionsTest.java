package org.bind.mpi.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
class MpjLauncherOptionsTest {
    @TempDir
    Path dir;

    /** A directory that looks like an MPJ home to the option checks. */
    private Path fakeHome() throws IOException {
        Path home = Files.createDirectories(dir.resolve("mpj/lib"));
        Files.writeString(home.resolve("starter.jar"), "");
        return home.getParent();
    }

    private String[] args(String... args) {
        return args;
    }

    @Test
    void shouldParseEveryOption() throws IOException {
        Path machines = Files.writeString(dir.resolve("machines"), "# the hosts\nnode1\n\n  10.0.0.2  # second\n");
        MpjLauncher.Options options = MpjLauncher.parse(args("-np", "4", "--mpj-home", fakeHome().toString(),
            "--machines", machines.toString(), "--daemon-port", "41000", "--data", "aeron", "--jobs-dir", "/tmp/j",
            "--workers", "2", "--tag-output", "--grace-ms", "500", "--start-timeout-ms", "7000", "-J-Xmx1g", "-cp",
            "app.jar", "--", "Main", "-np", "x"), Map.of());
        assertEquals(4, options.ranks());
        assertEquals(41_000, options.daemonPort());
        assertEquals("aeron", options.data());
        assertEquals(2, options.workers());
        assertTrue(options.tagOutput());
        assertEquals(500, options.graceMs());
        assertEquals(7_000, options.startTimeoutMs());
        assertEquals(List.of("-Xmx1g"), options.jvmFlags());
        assertEquals("Main", options.mainClass());
        assertEquals(List.of("-np", "x"), options.programArgs());
        assertEquals(List.of("node1", "10.0.0.2"), MpjLauncher.hosts(machines));
    }

    @Test
    void shouldTakeMpjHomeFromTheEnvironmentAndDefaultToLocalRanksOverMpj() throws IOException {
        MpjLauncher.Options options = MpjLauncher.parse(args("-np", "2", "Main"),
            Map.of("MPJ_HOME", fakeHome().toString()));
        assertNull(options.machines());
        assertEquals("mpj", options.data());
        assertEquals(MpjLauncher.DEFAULT_DAEMON_PORT, options.daemonPort());
        assertEquals(10_000 + 3_000, options.graceMs(), "MPJ transport's heartbeat timeout plus 3 s");
        MpjLauncher.Options faster = MpjLauncher.parse(args("-np", "2", "-J-Dbind.mpj.heartbeat.timeout.ms=4000", "Main"),
            Map.of("MPJ_HOME", fakeHome().toString()));
        assertEquals(4_000 + 3_000, faster.graceMs());
        assertEquals(0, options.timeLimitMs(), "no time limit unless given");
    }

    @Test
    void shouldTakeATimeLimitAsEveryLauncherDoes() throws IOException {
        String home = fakeHome().toString();
        assertEquals(20_000, MpjLauncher.parse(args("-np", "2", "--mpj-home", home, "--time-limit", "20s", "Main"),
            Map.of()).timeLimitMs());
        assertEquals(90 * 60_000, MpjLauncher.parse(args("-np", "2", "--mpj-home", home, "--time-limit", "90m", "Main"),
            Map.of()).timeLimitMs());
        assertEquals(500, ProcessLauncher.parse(args("-np", "2", "--time-limit", "500ms", "Main")).timeLimitMs());
        assertMessage("--time-limit '0s' is not a duration such as 500ms, 20s, 5m or 2h",
            args("-np", "2", "--mpj-home", home, "--time-limit", "0s", "Main"));
        assertMessage("--time-limit '20' is not a duration", args("-np", "2", "--mpj-home", home, "--time-limit", "20",
            "Main"));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = InProcLauncher.run(args("--time-limit", "soon", "--", "java"), System.out,
            new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, status);
        String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("bindrun: --time-limit 'soon' is not a duration") && text.contains("usage: InProcLauncher"),
            text);
    }

    @Test
    void shouldRefuseBadCommandLinesNamingWhatIsWrong() throws IOException {
        String home = fakeHome().toString();
        assertMessage("-np N is required", args("--mpj-home", home, "Main"));
        assertMessage("-np '0' must be an integer in [1,", args("-np", "0", "--mpj-home", home, "Main"));
        assertMessage("--data 'udp' must be mpj or aeron", args("-np", "2", "--mpj-home", home, "--data", "udp", "Main"));
        assertMessage("MPJ Express's home is unknown", args("-np", "2", "Main"));
        assertMessage("has no lib/starter.jar", args("-np", "2", "--mpj-home", dir.toString(), "Main"));
        assertMessage("no main class", args("-np", "2", "--mpj-home", home));
        assertMessage("--daemon-port '70000' must be an integer in [1, 65535]",
            args("-np", "2", "--mpj-home", home, "--daemon-port", "70000", "Main"));
        assertMessage("cannot read the machines file", args("-np", "2", "--mpj-home", home, "--machines",
            dir.resolve("absent").toString(), "Main"));
        Path empty = Files.writeString(dir.resolve("empty"), "# nobody\n");
        assertMessage("lists no host", args("-np", "2", "--mpj-home", home, "--machines", empty.toString(), "Main"));
        Path odd = Files.writeString(dir.resolve("odd"), "node1; rm -rf /\n");
        assertMessage("is not a host name or address", args("-np", "2", "--mpj-home", home, "--machines",
            odd.toString(), "Main"));
        assertMessage("unknown option --fast", args("-np", "2", "--mpj-home", home, "--fast", "Main"));

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = MpjLauncher.run(args("-np", "x", "Main"), System.out, new PrintStream(err, true,
            StandardCharsets.UTF_8));
        assertEquals(2, status);
        String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("bindrun: -np 'x' must be an integer") && text.contains("usage: MpjLauncher"), text);
    }

    private static void assertMessage(String expected, String[] args) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MpjLauncher.parse(args, Map.of()));
        assertTrue(e.getMessage().contains(expected), "'" + e.getMessage() + "' should contain '" + expected + "'");
    }
}
