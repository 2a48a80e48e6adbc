package org.bind.mpi.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ProcessLauncherOptionsTest {
    @Test
    void shouldParseEveryOption() {
        ProcessLauncher.Options options = ProcessLauncher.parse(new String[] {"-np", "3", "--transport", "aeron",
            "--workers", "2", "--tag-output", "--grace-ms", "500", "-J-Xmx1g", "-cp", "app.jar", "--", "Main", "-np", "x"});
        assertEquals(3, options.ranks());
        assertEquals(2, options.workers());
        assertTrue(options.tagOutput());
        assertEquals(500, options.graceMs());
        assertEquals(List.of("-Xmx1g"), options.jvmFlags());
        assertEquals("app.jar", options.classpath());
        assertEquals("Main", options.mainClass());
        assertEquals(List.of("-np", "x"), options.programArgs());
    }

    @Test
    void shouldGiveTheRanksTheirHeartbeatTimeoutPlusThreeSecondsToNoticeALoss() {
        assumeTrue(System.getenv("BIND_HEARTBEAT_TIMEOUT_MS") == null, "BIND_HEARTBEAT_TIMEOUT_MS is set here");
        assertEquals(5_000 + 3_000, ProcessLauncher.parse(new String[] {"-np", "2", "Main"}).graceMs());
        assertEquals(20_000 + 3_000, ProcessLauncher.parse(new String[] {"-np", "2", "-J-Dbind.heartbeat.timeout.ms=9000",
            "-J-Dbind.heartbeat.timeout.ms=20000", "Main"}).graceMs());
        assertEquals(700, ProcessLauncher.parse(new String[] {"-np", "2", "--grace-ms", "700",
            "-J-Dbind.heartbeat.timeout.ms=20000", "Main"}).graceMs());
    }

    @Test
    void shouldRefuseBadCommandLines() {
        assertThrows(IllegalArgumentException.class, () -> ProcessLauncher.parse(new String[] {"Main"}));
        assertThrows(IllegalArgumentException.class, () -> ProcessLauncher.parse(new String[] {"-np", "0", "Main"}));
        assertThrows(IllegalArgumentException.class, () -> ProcessLauncher.parse(new String[] {"-np", "2"}));
        assertThrows(IllegalArgumentException.class,
            () -> ProcessLauncher.parse(new String[] {"-np", "2", "--transport", "carrier-pigeon", "Main"}));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = ProcessLauncher.run(new String[] {"-np", "x", "Main"}, System.out,
            new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, status);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("-np 'x' must be an integer in [1, "));
    }

    @Test
    void shouldPickDistinctFreePorts() {
        int[] ports = ProcessLauncher.freeUdpPorts(8);
        assertEquals(8, java.util.Arrays.stream(ports).distinct().count());
        int ephemeralLow = ProcessLauncher.ephemeralLow();
        for (int port : ports) {
            // below the range the ranks' own senders bind from, where the kernel leaves room for that (it does here)
            assertTrue(ephemeralLow < 11_000 || port >= 10_000 && port < ephemeralLow, port + " vs " + ephemeralLow);
        }
    }
}
