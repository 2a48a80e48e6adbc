package org.bind;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.bind.testing.DumpStacksOnTimeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(60)
class CollectionsOfVersionsTest {
    static final class Ops {
        @Op
        static void fill(@Out DoubleArray a, double first) {
            double[] d = a.data();
            for (int i = 0; i < d.length; i++) {
                d[i] = first + i * 0.1;
            }
        }

        /** Writes each part's element-wise sum of the inputs. */
        @Op
        static void sum(@In DoubleArray[] parts, @Out DoubleArray into) {
            double[] out = into.data();
            for (DoubleArray part : parts) {
                double[] in = part.data();
                for (int i = 0; i < out.length; i++) {
                    out[i] += in[i];
                }
            }
        }

        @Op
        static void scaleAll(List<DoubleArray> parts, double factor) {
            for (DoubleArray part : parts) {
                double[] d = part.data();
                for (int i = 0; i < d.length; i++) {
                    d[i] *= factor;
                }
            }
        }

        @Op
        static void zeroAll(@Out List<DoubleArray> parts) {
            for (DoubleArray part : parts) {
                java.util.Arrays.fill(part.data(), 0.0);
            }
        }

        @Op
        static void badByRef(@ByRef DoubleArray[] parts) {
        }
    }

    @Test
    void shouldReduceArraysOfPartsLikeTheSequentialLoop() {
        int parts = 7;
        int n = 33;
        try (Bind bind = Bind.init(new Bind.Context().workers(2))) {
            DoubleArray[] p = new DoubleArray[parts];
            for (int i = 0; i < parts; i++) {
                p[i] = DoubleArray.of(n).named("part(" + i + ")");
                Ops.fill(p[i], i);
            }
            DoubleArray total = DoubleArray.of(n);
            Ops.sum(p, total);
            p[0] = null; // the program may reuse its array after the call
            bind.sync();
            double[] expected = new double[n];
            for (int i = 0; i < parts; i++) {
                for (int k = 0; k < n; k++) {
                    expected[k] += i + k * 0.1;
                }
            }
            assertArrayEquals(expected, total.toArray());
        }
    }

    @Test
    void shouldWriteEveryElementOfAReadWriteList() {
        try (Bind bind = Bind.init(new Bind.Context().workers(2))) {
            List<DoubleArray> parts = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                DoubleArray a = DoubleArray.of(3);
                Ops.fill(a, 1.0);
                parts.add(a);
            }
            Ops.scaleAll(parts, 2.0);
            DoubleArray first = parts.get(0);
            parts.clear(); // the op keeps its own copy of the list
            Ops.scaleAll(List.of(first), 10.0);
            bind.sync();
            assertArrayEquals(new double[] {20.0, 22.0, 24.0}, first.toArray(), 1e-12);
        }
    }

    @Test
    void shouldGiveOutListsFreshBuffers() {
        try (Bind bind = Bind.init()) {
            DoubleArray a = DoubleArray.of(2);
            DoubleArray b = DoubleArray.of(2);
            Ops.fill(a, 5.0);
            Ops.zeroAll(List.of(a, b));
            bind.sync();
            assertArrayEquals(new double[2], a.toArray());
        }
    }

    @Test
    void shouldRefuseNullElementsAndByRefCollections() {
        try (Bind bind = Bind.init()) {
            DoubleArray out = DoubleArray.of(1);
            BindException nullElement = assertThrows(BindException.class,
                () -> Ops.sum(new DoubleArray[] {DoubleArray.of(1), null}, out));
            assertTrue(nullElement.getMessage().contains("Ops.sum") && nullElement.getMessage().contains("element 1"),
                nullElement.getMessage());
            BindException byRef = assertThrows(BindException.class, () -> Ops.badByRef(new DoubleArray[0]));
            assertTrue(byRef.getMessage().contains("@ByRef"), byRef.getMessage());
            bind.sync();
        }
    }

    @Test
    void shouldNameObjectsInErrors() {
        try (Bind bind = Bind.init()) {
            DoubleArray a = DoubleArray.of(2).named("A(3,4)");
            assertEquals("A(3,4)", a.name());
            IllegalStateException e = assertThrows(IllegalStateException.class, a::data);
            assertTrue(e.getMessage().contains("A(3,4)"), e.getMessage());
        }
    }
}
