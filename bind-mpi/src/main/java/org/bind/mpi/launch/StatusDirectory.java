package org.bind.mpi.launch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The files through which MPJ ranks and their launcher talk, in the job's private directory (shared by the hosts
 * with {@code --machines}): each rank writes {@code rank-R.started} when it reaches its main class and
 * {@code rank-R.status} when main ended ({@code 0}, or {@code 1 <exception>}), because MPJ's starter reports success
 * whatever the ranks did; the launcher writes {@value #STACKS_FILE} when the job outlived its time limit, and every
 * rank then prints its stacks and exits ({@link MpjRankMain}). Written atomically: a reader sees a whole file or none.
 */
final class StatusDirectory {
    /** The file that asks every rank for its stacks. */
    static final String STACKS_FILE = "print-stacks";

    private final Path dir;

    StatusDirectory(Path dir) {
        this.dir = dir;
    }

    Path path() {
        return dir;
    }

    /** How many ranks have reached their main class. */
    int startedRanks() {
        try (Stream<Path> files = Files.list(dir)) {
            return (int) files.filter(p -> p.getFileName().toString().endsWith(".started")).count();
        } catch (IOException e) {
            return 0;
        }
    }

    /** The recorded statuses (only the failures when {@code failedOnly}), earliest first, by rank. */
    Map<Integer, String> statuses(boolean failedOnly) {
        record Status(int rank, long modified, String text) {
        }
        List<Status> found = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "rank-*.status")) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                String digits = name.substring("rank-".length(), name.length() - ".status".length());
                if (!digits.matches("\\d{1,9}")) {
                    continue;
                }
                String text = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (!failedOnly || !text.equals("0")) {
                    found.add(new Status(Integer.parseInt(digits), Files.getLastModifiedTime(file).toMillis(),
                        text.startsWith("1 ") ? text.substring(2) : text));
                }
            }
        } catch (IOException e) {
            return Map.of();
        }
        found.sort((a, b) -> a.modified() != b.modified() ? Long.compare(a.modified(), b.modified())
            : Integer.compare(a.rank(), b.rank()));
        Map<Integer, String> ordered = new LinkedHashMap<>();
        for (Status status : found) {
            ordered.put(status.rank(), status.text());
        }
        return ordered;
    }

    /** Asks every rank to print its stacks and exit. */
    void requestStacks() {
        write(dir.resolve(STACKS_FILE), "stacks");
    }

    /** Writes {@code text} to {@code file} atomically (a reader sees all of it or no file); false when it could not. */
    static boolean write(Path file, String text) {
        try {
            Path partial = file.resolveSibling(file.getFileName() + ".partial");
            Files.writeString(partial, text.replace('\n', ' ') + "\n", StandardCharsets.UTF_8);
            Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return true;
        } catch (IOException e) {
            System.err.println("bindrun: cannot write " + file + ": " + e.getMessage());
            return false;
        }
    }

    /** Removes {@code root} and everything below it (links are removed, not followed); false when it could not. */
    static boolean deleteTree(Path root) {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return true;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
