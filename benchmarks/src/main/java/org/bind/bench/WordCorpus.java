package org.bind.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * The text of {@link WordCountBenchmark}, from what any Debian machine has: the English manual pages
 * ({@code /usr/share/man/man*}, gzip'd roff, with the roff request lines, those starting with {@code .} or
 * {@code '}, dropped and the font escapes {@code \f?} removed), the licences of {@code /usr/share/common-licenses},
 * and the {@code copyright} and {@code changelog} files of {@code /usr/share/doc}: the licences first, then a
 * manual page and a documentation file in turn, each in path order, until the unique text reaches the wanted size
 * or runs out; the unique text is then written again as many
 * times as it takes to reach the size. Written to a file private to the user (as {@code Files.createTempFile}
 * makes it).
 */
final class WordCorpus {
    /** What was built: the file, its size, and where the text came from. */
    record Built(Path file, long bytes, long uniqueBytes, int manPages, int licences, int docFiles, int copies) {
        String describe() {
            return String.format(java.util.Locale.ROOT, "%.1f MB: %.1f MB of unique text written %d time(s) (%d man"
                    + " pages with roff requests stripped, %d licences, %d copyright/changelog files)", bytes / 1e6,
                uniqueBytes / 1e6, copies, manPages, licences, docFiles);
        }
    }

    private WordCorpus() {
    }

    static Built build(long wantedBytes) throws IOException {
        StringBuilder unique = new StringBuilder();
        int[] counts = new int[3];
        for (Path licence : list(Path.of("/usr/share/common-licenses"), p -> true)) {
            if (unique.length() < wantedBytes && appendPlain(licence, unique)) {
                counts[1]++;
            }
        }
        List<Path> docs = list(Path.of("/usr/share/doc"), p -> p.getFileName().toString().matches(
            "copyright|changelog(\\.Debian)?(\\.gz)?"));
        Path manRoot = Path.of("/usr/share/man");
        List<Path> man = list(manRoot, p -> p.getParent().getParent().equals(manRoot)
            && p.getParent().getFileName().toString().matches("man[0-9n]"));
        for (int i = 0; unique.length() < wantedBytes && (i < docs.size() || i < man.size()); i++) {
            if (i < man.size() && appendRoff(man.get(i), unique)) {
                counts[0]++;
            }
            if (i < docs.size() && unique.length() < wantedBytes && appendPlain(docs.get(i), unique)) {
                counts[2]++;
            }
        }
        if (unique.length() == 0) {
            throw new IOException("no text found under /usr/share/man, /usr/share/common-licenses or /usr/share/doc");
        }
        byte[] text = unique.toString().getBytes(StandardCharsets.UTF_8);
        Path file = Files.createTempFile("bind-wordcount-", ".txt");
        file.toFile().deleteOnExit();
        int copies = 0;
        long written = 0;
        try (var out = Files.newOutputStream(file)) {
            while (written < wantedBytes) {
                out.write(text);
                written += text.length;
                copies++;
            }
        }
        return new Built(file, written, text.length, counts[0], counts[1], counts[2], copies);
    }

    private static List<Path> list(Path root, java.util.function.Predicate<Path> keep) throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> all = Files.walk(root)) {
            List<Path> files = new ArrayList<>(all.filter(Files::isRegularFile).filter(keep).sorted().toList());
            return files;
        }
    }

    private static boolean appendRoff(Path page, StringBuilder into) {
        try (BufferedReader reader = reader(page)) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith(".") || line.startsWith("'")) {
                    continue;
                }
                into.append(line.replaceAll("\\\\f[A-Z1-4P]|\\\\f\\(..|\\\\[-&e(]", " ")).append('\n');
            }
            return true;
        } catch (IOException | UncheckedIOException e) {
            return false; // unreadable or not gzip: skipped
        }
    }

    private static boolean appendPlain(Path file, StringBuilder into) {
        try (BufferedReader reader = reader(file)) {
            String line;
            while ((line = reader.readLine()) != null) {
                into.append(line).append('\n');
            }
            return true;
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }

    private static BufferedReader reader(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        if (file.getFileName().toString().endsWith(".gz")) {
            in = new GZIPInputStream(in);
        }
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE)));
    }
}
