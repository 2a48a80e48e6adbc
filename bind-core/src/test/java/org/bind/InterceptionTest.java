package org.bind;

import static org.bind.MisuseTest.assertContains;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import org.bind.testing.ChildJvm;
import org.bind.testing.DumpStacksOnTimeout;
import org.bind.testing.Workers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code @Op} calls from the program are recorded and run on workers: static and instance methods, in classes
 * loaded before {@code Bind.init} too; an op called from inside a running op runs inline.
 */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(60)
class InterceptionTest {
    static final class Ops {
        @Op
        static void whereAmI(@Out IntArray x, @ByRef AtomicReference<String> thread, @ByRef AtomicReference<Bind> bind) {
            thread.set(Thread.currentThread().getName());
            bind.set(Bind.current());
            java.util.Arrays.fill(x.data(), 1);
        }

        /** Calls {@link #inner} and records what it observed right after the call returned. */
        @Op
        static void outer(IntArray x, @ByRef Map<String, Object> seen) {
            seen.put("outerThread", Thread.currentThread().getName());
            x.data()[0] = 10;
            inner(x, 5, seen);
            seen.put("innerDoneWhenCallReturned", seen.containsKey("innerThread"));
            seen.put("valueAfterInner", x.data()[0]);
            x.data()[0] += 1;
        }

        @Op
        static void inner(IntArray x, int add, @ByRef Map<String, Object> seen) {
            seen.put("innerThread", Thread.currentThread().getName());
            x.data()[0] *= add;
        }
    }

    /** Instance ops: the receiver is passed by reference. */
    static final class Accumulator {
        private final int step;
        final AtomicInteger calls = new AtomicInteger();
        final Map<String, Boolean> threads = new ConcurrentHashMap<>();

        Accumulator(int step) {
            this.step = step;
        }

        @Op
        void addStep(IntArray x) {
            calls.incrementAndGet();
            threads.put(Thread.currentThread().getName(), true);
            int[] d = x.data();
            for (int i = 0; i < d.length; i++) {
                d[i] += step * (i + 1);
            }
        }

        @Op
        void scaleInto(@In IntArray from, @Out IntArray to) {
            int[] a = from.data();
            int[] b = to.data();
            for (int i = 0; i < b.length; i++) {
                b[i] = a[i] * step;
            }
        }
    }

    @Test
    void shouldRecordStaticOpAndRunItOnAWorker() {
        try (Bind bind = Bind.init(new Bind.Context().workers(2))) {
            IntArray x = IntArray.of(2);
            AtomicReference<String> thread = new AtomicReference<>();
            AtomicReference<Bind> current = new AtomicReference<>();
            Ops.whereAmI(x, thread, current);
            bind.sync();
            assertTrue(thread.get().startsWith(Workers.NAME_PREFIX), "ran on " + thread.get());
            assertSame(bind, current.get(), "Bind.current() inside an op");
            assertArrayEquals(new int[] {1, 1}, x.toArray());
        }
    }

    @Test
    void shouldRecordInstanceOps() {
        try (Bind bind = Bind.init(new Bind.Context().workers(2))) {
            IntArray x = IntArray.of(3);
            IntArray y = IntArray.of(3);
            Accumulator threes = new Accumulator(3);
            for (int i = 0; i < 4; i++) {
                threes.addStep(x);
            }
            new Accumulator(-2).scaleInto(x, y);
            bind.sync();
            assertEquals(4, threes.calls.get());
            assertFalse(threes.threads.isEmpty());
            threes.threads.keySet().forEach(name ->
                assertTrue(name.startsWith(Workers.NAME_PREFIX), "instance op ran on " + name));
            assertArrayEquals(new int[] {12, 24, 36}, x.toArray());
            assertArrayEquals(new int[] {-24, -48, -72}, y.toArray());
        }
    }

    @Test
    void shouldRunNestedOpCallInlineOnTheSameThread() {
        try (Bind bind = Bind.init(new Bind.Context().workers(2))) {
            IntArray x = IntArray.of(1);
            Map<String, Object> seen = new ConcurrentHashMap<>();
            Ops.outer(x, seen);
            bind.sync();
            assertEquals(seen.get("outerThread"), seen.get("innerThread"), "inner ran on the outer op's thread");
            assertTrue(((String) seen.get("outerThread")).startsWith(Workers.NAME_PREFIX));
            assertEquals(Boolean.TRUE, seen.get("innerDoneWhenCallReturned"), "inner ran before its call returned");
            assertEquals(50, seen.get("valueAfterInner"), "inner worked on the outer op's buffer");
            assertArrayEquals(new int[] {51}, x.toArray());
            assertEquals(1, bind.counters().opsRun(), "the nested call was not recorded as an op of its own");
        }
    }

    /** One run of {@link PreloadedOpsMain} in a fresh JVM, shared by the tests below. */
    private static ChildJvm.Result preloaded;
    private static Map<String, String> preloadedValues;

    @BeforeAll
    static void runProgramWhoseClassesAreLoadedBeforeInit() throws Exception {
        preloaded = ChildJvm.run(PreloadedOpsMain.class, List.of("-Xmx128m"), List.of(), Duration.ofSeconds(45));
        preloadedValues = preloaded.output().lines().filter(line -> line.contains("="))
            .collect(Collectors.toMap(line -> line.substring(0, line.indexOf('=')),
                line -> line.substring(line.indexOf('=') + 1), (a, b) -> b));
    }

    @Test
    void shouldInterceptOpsOfClassesLoadedBeforeInit() {
        assertFalse(preloaded.timedOut(), preloaded::describe);
        assertEquals(0, preloaded.exitCode(), preloaded::describe);
        assertEquals("true", preloadedValues.get("touched"), preloaded::describe);
        assertNotNull(preloadedValues.get("opThread"), preloaded::describe);
        assertTrue(preloadedValues.get("opThread").startsWith(Workers.NAME_PREFIX), preloaded::describe);
        assertNotNull(preloadedValues.get("mainOpThread"), preloaded::describe);
        assertTrue(preloadedValues.get("mainOpThread").startsWith(Workers.NAME_PREFIX), preloaded::describe);
        assertEquals("[50, 51, 52]", preloadedValues.get("values"), preloaded::describe);
    }

    @Test
    void shouldInterceptInstanceOpsOfAClassLoadedWhileTheInterceptionIsInstalled() {
        assertEquals(0, preloaded.exitCode(), preloaded::describe);
        assertNotNull(preloadedValues.get("tallyThread"), preloaded::describe);
        assertTrue(preloadedValues.get("tallyThread").startsWith(Workers.NAME_PREFIX), preloaded::describe);
        assertEquals("306", preloadedValues.get("tally"), preloaded::describe);
    }

    @Test
    void shouldNameTheParameterInMisuseOfAnOpInAClassLoadedBeforeInit() {
        assertEquals(0, preloaded.exitCode(), preloaded::describe);
        assertContains(preloadedValues.get("misuse"), "PreloadedOps.takesList", "parameter 1 (names)",
            "java.util.ArrayList");
    }
}
