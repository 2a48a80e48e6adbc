package org.bind.mpi.aeron;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * A process of this host named so that a reused pid does not pass for it: its pid and start time, as written in a
 * file of a private directory ({@code PID START}, START {@code -} when the system does not say). Immutable.
 */
record ProcessMark(long pid, String start) {
    /** This process. */
    static ProcessMark self() {
        ProcessHandle self = ProcessHandle.current();
        return new ProcessMark(self.pid(), startOf(self));
    }

    /** The mark in {@code file}, or null when there is none (not written yet, removed, or not a mark). */
    static ProcessMark read(Path file) {
        String[] parts;
        try {
            parts = Files.readString(file, StandardCharsets.US_ASCII).trim().split(" ");
        } catch (IOException e) {
            return null;
        }
        if (parts.length != 2 || !parts[0].matches("\\d{1,18}")) {
            return null;
        }
        return new ProcessMark(Long.parseLong(parts[0]), parts[1]);
    }

    /**
     * Writes this mark into {@code file} whole or not at all (a new file of mode {@code rw-------}, then renamed), so a
     * reader never sees half of it.
     */
    void write(Path file) {
        Path staged = file.resolveSibling("." + file.getFileName() + ".new");
        try {
            Files.deleteIfExists(staged);
            Files.writeString(Files.createFile(staged, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------"))), pid + " " + start + "\n", StandardCharsets.US_ASCII);
            Files.move(staged, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalStateException("cannot write " + file + ": " + e, e);
        }
    }

    /** Whether the process still runs (the same pid and start time). Any thread. */
    boolean alive() {
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        return process.isPresent() && process.get().isAlive() && (start.equals("-") || start.equals(
            startOf(process.get())) || startOf(process.get()).equals("-"));
    }

    private static String startOf(ProcessHandle process) {
        return process.info().startInstant().map(Object::toString).orElse("-");
    }
}
