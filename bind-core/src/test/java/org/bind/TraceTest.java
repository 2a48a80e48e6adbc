package org.bind;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bind.testing.DumpStacksOnTimeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The Perfetto trace: one complete slice per op run, named after the op, its objects (by name) in its args. */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(60)
class TraceTest {
    private static final Pattern SLICE = Pattern.compile("\\{\"ph\":\"X\",\"name\":\"([^\"]*)\"[^}]*?"
        + "(?:,\"args\":\\{\"objects\":\"([^\"]*)\"\\})?\\}");

    static final class Ops {
        @Op
        static void fill(@Out DoubleArray a, double value) {
            java.util.Arrays.fill(a.data(), value);
        }

        @Op
        static void addInto(@In DoubleArray a, DoubleArray b) {
            for (int i = 0; i < b.length(); i++) {
                b.data()[i] += a.data()[i];
            }
        }

        @Op
        static void nothing(int value) {
        }
    }

    @Test
    void shouldWriteOneSlicePerOpNamingItsObjects(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("trace.json");
        try (Bind bind = Bind.init(new Bind.Context().workers(2).trace(file))) {
            DoubleArray a = DoubleArray.of(8).named("A(1,2)");
            DoubleArray b = DoubleArray.of(8);
            Ops.fill(a, 1.0);
            Ops.addInto(a, b);
            Ops.nothing(3);
            bind.sync();
        }
        String json = Files.readString(file);
        assertTrue(json.startsWith("{\"displayTimeUnit\":\"ns\""), json);
        Matcher m = SLICE.matcher(json);
        List<String> slices = new java.util.ArrayList<>();
        while (m.find()) {
            slices.add(m.group(1) + (m.group(2) == null ? "" : " [" + m.group(2) + "]"));
        }
        slices.sort(null);
        assertEquals(List.of("Ops.addInto [A(1,2) in, DoubleArray#1 rw]", "Ops.fill [A(1,2) out]", "Ops.nothing"),
            slices, json);
    }
}
