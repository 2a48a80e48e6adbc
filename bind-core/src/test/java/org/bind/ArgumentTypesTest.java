package org.bind;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.bind.testing.DumpStacksOnTimeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every kind of parameter reaches the op body with the value the program passed: each primitive type at its
 * extremes (the woven entry keeps them unboxed, in their own slots), references and primitives interleaved, long
 * and double parameters (two local slots) before and after references, and instance ops. The oracle is the
 * program's own values, formatted by plain Java.
 */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ArgumentTypesTest {
    record Point(int x, double y) {
    }

    enum Colour { RED, GREEN }

    static final class Ops {
        @Op
        static void everyPrimitive(Shared<String> out, boolean z, byte b, short s, char c, int i, long j, float f,
                                   double d) {
            out.set(z + " " + b + " " + s + " " + (int) c + " " + i + " " + j + " " + Float.floatToRawIntBits(f)
                + " " + Double.doubleToRawLongBits(d));
        }

        @Op
        static void interleaved(long first, Shared<String> out, double second, Point point, int third, int[] values,
                                Colour colour, String text, char last) {
            out.set(first + " " + second + " " + point + " " + third + " " + java.util.Arrays.toString(values) + " "
                + colour + " " + text + " " + last);
        }

        @Op
        static void nulls(Shared<String> out, String text, int[] values, Point point) {
            out.set(text + " " + values + " " + point);
        }
    }

    /** A plain receiver: its ops run in program order. */
    static final class Recorder {
        final List<String> seen = new ArrayList<>();

        @Op
        void note(double weight, @In IntArray values, long tag, boolean flag) {
            seen.add(weight + " " + values.data()[0] + " " + tag + " " + flag);
        }
    }

    private static String expectedPrimitives(boolean z, byte b, short s, char c, int i, long j, float f, double d) {
        return z + " " + b + " " + s + " " + (int) c + " " + i + " " + j + " " + Float.floatToRawIntBits(f) + " "
            + Double.doubleToRawLongBits(d);
    }

    @Test
    void shouldPassEveryPrimitiveTypeUnchanged() {
        try (Bind bind = Bind.init()) {
            List<Shared<String>> outs = new ArrayList<>();
            List<String> expected = new ArrayList<>();
            Object[][] cases = {
                {true, Byte.MIN_VALUE, Short.MIN_VALUE, Character.MIN_VALUE, Integer.MIN_VALUE, Long.MIN_VALUE,
                    Float.MIN_VALUE, -0.0},
                {false, Byte.MAX_VALUE, Short.MAX_VALUE, Character.MAX_VALUE, Integer.MAX_VALUE, Long.MAX_VALUE,
                    Float.NaN, Double.MAX_VALUE},
                {true, (byte) -1, (short) -1, 'é', -1, -1L, -0.0f, Double.longBitsToDouble(0x7ff8_dead_beef_0001L)},
            };
            for (Object[] c : cases) {
                Shared<String> out = Shared.of("");
                outs.add(out);
                boolean z = (Boolean) c[0];
                byte b = (Byte) c[1];
                short s = (Short) c[2];
                char ch = (Character) c[3];
                int i = (Integer) c[4];
                long j = (Long) c[5];
                float f = (Float) c[6];
                double d = (Double) c[7];
                Ops.everyPrimitive(out, z, b, s, ch, i, j, f, d);
                expected.add(expectedPrimitives(z, b, s, ch, i, j, f, d));
            }
            bind.sync();
            for (int k = 0; k < outs.size(); k++) {
                assertEquals(expected.get(k), outs.get(k).get(), "case " + k);
            }
        }
    }

    @Test
    void shouldPassReferencesAndPrimitivesInterleaved() {
        try (Bind bind = Bind.init()) {
            Shared<String> out = Shared.of("");
            int[] values = {1, 2, 3};
            Point point = new Point(-7, 2.5);
            Ops.interleaved(Long.MAX_VALUE - 3, out, Math.PI, point, 42, values, Colour.GREEN, "text", 'z');
            values[0] = 99; // captured at the call: the op sees 1
            bind.sync();
            assertEquals((Long.MAX_VALUE - 3) + " " + Math.PI + " " + point + " 42 [1, 2, 3] GREEN text z",
                out.get());
            Ops.nulls(out, null, null, null);
            bind.sync();
            assertEquals("null null null", out.get());
        }
    }

    @Test
    void shouldPassPrimitivesToInstanceOpsInProgramOrder() {
        try (Bind bind = Bind.init()) {
            Recorder recorder = new Recorder();
            List<String> expected = new ArrayList<>();
            for (int k = 0; k < 200; k++) {
                IntArray values = IntArray.of(1);
                int v = k * 3;
                Fill.fill(values, v);
                recorder.note(k / 4.0, values, -k * 1_000_000_007L, k % 3 == 0);
                expected.add(k / 4.0 + " " + v + " " + -k * 1_000_000_007L + " " + (k % 3 == 0));
            }
            bind.sync();
            assertEquals(expected, recorder.seen);
        }
    }

    @Test
    void shouldRunTheBodyWhenCalledFromInsideAnOp() {
        try (Bind bind = Bind.init()) {
            Shared<String> out = Shared.of("");
            Nested.outer(out, 5L, 0.25f);
            bind.sync();
            assertEquals(expectedPrimitives(true, (byte) 5, (short) 5, (char) 5, 5, 5L,
                0.25f, 0.25), out.get());
        }
    }

    static final class Fill {
        @Op
        static void fill(@Out IntArray a, int value) {
            java.util.Arrays.fill(a.data(), value);
        }
    }

    static final class Nested {
        @Op
        static void outer(Shared<String> out, long n, float f) {
            Ops.everyPrimitive(out, true, (byte) n, (short) n, (char) n, (int) n, n, f, f); // runs here, nested
        }
    }
}
