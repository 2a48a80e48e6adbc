package org.bind.cluster;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.bind.mpi.slurm.SlurmStep;

/**
 * {@link RankLossProgram} with one rank whose standard error nobody reads (a node whose output cannot leave it).
 * Arguments: {@code DIR FLOODER MODE SECONDS}. On rank {@code FLOODER} (its {@code SLURM_PROCID}), a thread
 * {@code flood} writes error lines before the job starts and on:
 *
 * <ul>
 * <li>{@code system}: through {@code System.err}, without end (a pause of 1 ms every 64 lines keeps the CPU for the
 * others); once 1 MiB has been written (16 times a pipe's capacity) it creates {@code DIR/flooded};</li>
 * <li>{@code raw}: through a stream of its own on file descriptor 2 (as a library that kept the original stream
 * would): it creates {@code DIR/flooded}, then writes 1 MiB in one call, which blocks when nobody reads, holding
 * that stream's lock; a shutdown hook prints to the same stream, so {@code System.exit} waits for it forever.</li>
 * </ul>
 */
public final class UnreadOutputProgram {
    private UnreadOutputProgram() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String flooder = args[1];
        String mode = args[2];
        if (flooder.equals(System.getenv(SlurmStep.PROCID_ENV))) {
            Thread flood = new Thread(() -> flood(dir, mode), "flood");
            flood.setDaemon(true);
            flood.start();
        }
        RankLossProgram.main(Arrays.copyOfRange(args, 3, args.length));
    }

    private static void flood(Path dir, String mode) {
        try {
            byte[] line = ("flood " + "e".repeat(200) + "\n").getBytes(StandardCharsets.UTF_8);
            if (mode.equals("raw")) {
                PrintStream raw = new PrintStream(new FileOutputStream(FileDescriptor.err), false, StandardCharsets.UTF_8);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> raw.println("exiting"), "flood-hook"));
                Files.createFile(dir.resolve("flooded"));
                byte[] block = new byte[1 << 20];
                Arrays.fill(block, (byte) 'e');
                raw.write(block, 0, block.length);   // blocks once the pipe is full, the stream's lock held
                raw.flush();
                return;
            }
            long written = 0;
            for (long i = 0; ; i++) {
                System.err.write(line, 0, line.length);
                written += line.length;
                if (written >= (1 << 20) && written - line.length < (1 << 20)) {
                    Files.createFile(dir.resolve("flooded"));
                }
                if (i % 64 == 0) {
                    Thread.sleep(1);
                }
            }
        } catch (IOException | InterruptedException e) {
            System.out.println("flood: " + e);
        }
    }
}
