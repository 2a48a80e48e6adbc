package org.bind.mpi.launch;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A rank process that closes its Aeron transport and ends before the sync, while the others wait for its data:
 * each other rank fails naming it (well within the heartbeat timeout, since it said goodbye), and the job ends.
 */
@Tag("cluster")
class ClosedRankTest {
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldFailTheOtherRanksNamingARankThatClosedItsTransportBeforeTheSync() {
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
        // the message tells the goodbye from a heartbeat timeout, which would say "rank 1 lost: no heartbeat"
        int status = ProcessLauncher.run(new String[] {"-np", "3", "--transport", "aeron", "--tag-output", "--workers",
            "2", "-cp", System.getProperty("java.class.path"), ClosedRankProgram.class.getName()}, out, err);
        String output = "stdout:\n" + outBytes.toString(StandardCharsets.UTF_8) + "\nstderr:\n"
            + errBytes.toString(StandardCharsets.UTF_8);
        assertNotEquals(0, status, output);
        assertTrue(output.contains("[rank 1] rank 1 closes its transport"), output);
        for (int r : new int[] {0, 2}) {
            String rank = "[rank " + r + "]";
            assertTrue(output.lines().anyMatch(l -> l.startsWith(rank)
                && l.contains("rank 1 closed its transport (ended) before the sync of epoch 0")), rank + " in\n" + output);
            assertTrue(!output.contains(rank + " rank " + r + " synced"), output);
        }
    }
}
