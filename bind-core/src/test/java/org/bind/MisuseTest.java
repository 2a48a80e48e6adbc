package org.bind;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.bind.testing.DumpStacksOnTimeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every misuse of the API fails at once with the documented exception type and a message naming the culprit
 * (method, parameter, object, rank, thread); nothing is half-recorded.
 */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(30)
class MisuseTest {
    static final class Misuse {
        @Op
        static int returnsValue(@In IntArray a) {
            return a.data()[0];
        }

        @Op
        static void takesList(IntArray a, List<String> names) {
            a.data()[0] = names.size();
        }

        @Op
        static void takesBuilder(StringBuilder text) {
            text.append("ran");
        }

        @Op
        static void appendsByRef(@ByRef StringBuilder text, @ByRef AtomicReference<Object> seen) {
            seen.set(text);
            text.append(" and the op");
        }

        @Op
        static void inOnPlainArray(@In int[] values, @Out IntArray out) {
            System.arraycopy(values, 0, out.data(), 0, values.length);
        }

        @Op
        static void inAndOut(@In @Out IntArray a) {
            a.data()[0] = 1;
        }

        @Op
        static void fill(@Out IntArray a, int value) {
            java.util.Arrays.fill(a.data(), value);
        }

        @Op
        static void setsReadOnly(@In Shared<Integer> value) {
            value.set(42);
        }

        @Op
        static void touchesOther(@In IntArray a, @ByRef AtomicReference<IntArray> other,
                                 @ByRef AtomicReference<Throwable> error) {
            try {
                other.get().data();
            } catch (Throwable t) {
                error.set(t);
            }
        }
    }

    @Test
    void shouldRejectOpThatReturnsAValueAtTheCall() {
        try (Bind bind = Bind.init()) {
            IntArray a = IntArray.of(2);
            BindException e = assertThrows(BindException.class, () -> Misuse.returnsValue(a));
            assertContains(e.getMessage(), "Misuse.returnsValue", "returns int", "void");
            bind.sync();
            assertEquals(0, bind.counters().opsRun(), "nothing was recorded");
        }
    }

    @Test
    void shouldRejectArgumentThatIsNeitherVersionedNorCapturableNamingMethodAndParameter() {
        try (Bind bind = Bind.init()) {
            IntArray a = IntArray.of(1);
            List<String> names = new ArrayList<>(List.of("x"));
            BindException list = assertThrows(BindException.class, () -> Misuse.takesList(a, names));
            assertContains(list.getMessage(), "Misuse.takesList", "parameter 1 (names)", "java.util.ArrayList",
                "@ByRef");
            StringBuilder text = new StringBuilder();
            BindException builder = assertThrows(BindException.class, () -> Misuse.takesBuilder(text));
            assertContains(builder.getMessage(), "Misuse.takesBuilder", "parameter 0 (text)",
                "java.lang.StringBuilder");
            bind.sync();
            assertEquals(0, bind.counters().opsRun(), "nothing was recorded");
            assertEquals("", text.toString());
            assertArrayEquals(new int[] {0}, a.toArray());
        }
    }

    @Test
    void shouldPassByRefArgumentAsTheSameObject() {
        try (Bind bind = Bind.init()) {
            StringBuilder text = new StringBuilder("the program");
            AtomicReference<Object> seen = new AtomicReference<>();
            Misuse.appendsByRef(text, seen);
            bind.sync();
            assertSame(text, seen.get(), "the op got the caller's object, not a copy");
            assertEquals("the program and the op", text.toString());
        }
    }

    @Test
    void shouldRejectInOnNonVersionedParameter() {
        try (Bind bind = Bind.init()) {
            IntArray out = IntArray.of(2);
            BindException e = assertThrows(BindException.class, () -> Misuse.inOnPlainArray(new int[] {1, 2}, out));
            assertContains(e.getMessage(), "Misuse.inOnPlainArray", "parameter 0 (values)", "@In", "int[]");
            bind.sync();
            assertArrayEquals(new int[] {0, 0}, out.toArray());
        }
    }

    @Test
    void shouldRejectConflictingAnnotations() {
        try (Bind bind = Bind.init()) {
            IntArray a = IntArray.of(1);
            BindException e = assertThrows(BindException.class, () -> Misuse.inAndOut(a));
            assertContains(e.getMessage(), "Misuse.inAndOut", "parameter 0 (a)", "@In", "@Out");
            bind.sync();
            assertArrayEquals(new int[] {0}, a.toArray());
        }
    }

    @Test
    void shouldRejectDataOutsideAnOpNamingTheObject() {
        try (Bind bind = Bind.init()) {
            IntArray a = IntArray.of(3);
            IllegalStateException e = assertThrows(IllegalStateException.class, a::data);
            assertContains(e.getMessage(), "IntArray#0");
            LongArray b = LongArray.of(1);
            IllegalStateException e2 = assertThrows(IllegalStateException.class, b::data);
            assertContains(e2.getMessage(), "LongArray#1");
            bind.sync();
            assertArrayEquals(new int[3], a.toArray(), "toArray() is the way to read outside ops");
        }
    }

    @Test
    void shouldRejectDataOfAnObjectThatIsNotAnArgumentOfTheRunningOp() {
        try (Bind bind = Bind.init()) {
            IntArray a = IntArray.of(1);
            IntArray other = IntArray.of(1);
            AtomicReference<Throwable> error = new AtomicReference<>();
            Misuse.touchesOther(a, new AtomicReference<>(other), error);
            bind.sync();
            IllegalStateException e = assertInstanceOf(IllegalStateException.class, error.get());
            assertContains(e.getMessage(), "IntArray#1", "Misuse.touchesOther");
        }
    }

    @Test
    void shouldRejectSubmittingAfterClose() {
        Bind bind = Bind.init();
        IntArray a = IntArray.of(1);
        bind.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Misuse.fill(a, 1));
        assertContains(e.getMessage(), "Misuse.fill");
        assertThrows(IllegalStateException.class, bind::sync);
        assertThrows(IllegalStateException.class, () -> IntArray.of(1));
    }

    @Test
    @SuppressWarnings("try") // closing a try-with-resources instance explicitly is the point
    void shouldMakeCloseIdempotent() {
        Bind bind = Bind.init();
        IntArray a = IntArray.of(2);
        Misuse.fill(a, 7);
        bind.close();
        bind.close();
        try (Bind again = Bind.init()) {
            again.close(); // and once more by try-with-resources
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, Bind::current);
        assertContains(e.getMessage(), "closed");
    }

    @Test
    void shouldRejectOpCalledFromAnotherThread() throws Exception {
        try (Bind bind = Bind.init()) {
            IntArray a = IntArray.of(1);
            String program = Thread.currentThread().getName();
            FutureTask<Throwable> call = new FutureTask<>(() -> {
                try {
                    Misuse.fill(a, 5);
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            });
            Thread other = new Thread(call, "not-the-program");
            other.start();
            Throwable error = call.get(20, TimeUnit.SECONDS);
            IllegalStateException e = assertInstanceOf(IllegalStateException.class, error);
            assertContains(e.getMessage(), "Misuse.fill", "not-the-program", program);
            bind.sync();
            assertArrayEquals(new int[] {0}, a.toArray(), "the call from the other thread was not recorded");
        }
    }

    @Test
    void shouldRejectCreatingAnArrayBeforeInit() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> IntArray.of(4));
        assertContains(e.getMessage(), "IntArray", "Bind.init");
    }

    @Test
    void shouldRejectInitTwiceWithoutClose() {
        try (Bind bind = Bind.init()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Bind.init());
            assertContains(e.getMessage(), "already initialised");
            assertSame(bind, Bind.current(), "the first instance stays current");
            IntArray a = IntArray.of(1);
            Misuse.fill(a, 3);
            bind.sync();
            assertArrayEquals(new int[] {3}, a.toArray(), "the first instance still works");
        }
    }

    @Test
    void shouldFailOpThatSetsASharedValueItOnlyReads() {
        try (Bind bind = Bind.init()) {
            Shared<Integer> value = Shared.of(7);
            Misuse.setsReadOnly(value);
            OpFailedException e = assertThrows(OpFailedException.class, bind::sync);
            assertEquals("Misuse.setsReadOnly", e.opName());
            IllegalStateException cause = assertInstanceOf(IllegalStateException.class, e.getCause());
            assertContains(cause.getMessage(), "Shared#0", "read-only", "Misuse.setsReadOnly");
            assertEquals(7, value.get(), "the value is unchanged");
        }
    }

    @Test
    void shouldRejectObjectOfAClosedInstanceInANewOne() {
        IntArray old;
        try (Bind first = Bind.init()) {
            old = IntArray.of(2);
            Misuse.fill(old, 1);
            first.sync();
            assertArrayEquals(new int[] {1, 1}, old.toArray());
        }
        try (Bind second = Bind.init()) {
            IntArray fresh = IntArray.of(2);
            BindException e = assertThrows(BindException.class, () -> Misuse.fill(old, 9));
            assertContains(e.getMessage(), "Misuse.fill", "parameter 0 (a)", "IntArray#0", "another Bind instance");
            IllegalStateException read = assertThrows(IllegalStateException.class, old::toArray);
            assertContains(read.getMessage(), "IntArray#0", "closed");
            Misuse.fill(fresh, 4);
            second.sync();
            assertArrayEquals(new int[] {4, 4}, fresh.toArray(), "the new instance is unharmed");
        }
    }

    @Test
    @SuppressWarnings("try") // the scope is used for its extent only
    void shouldRejectRankOutOfRange() {
        try (Bind bind = Bind.init()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bind.on(5));
            assertContains(e.getMessage(), "rank 5 out of range [0, 1)");
            IllegalArgumentException negative = assertThrows(IllegalArgumentException.class, () -> bind.on(-1));
            assertContains(negative.getMessage(), "rank -1 out of range [0, 1)");
            IntArray a = IntArray.of(1);
            try (Scope scope = bind.on(0)) {
                Misuse.fill(a, 2);
            }
            bind.sync();
            assertArrayEquals(new int[] {2}, a.toArray(), "a valid scope still works");
        }
    }

    @Test
    void shouldRejectInvalidSettingsNamingTheValue() {
        IllegalArgumentException workers = assertThrows(IllegalArgumentException.class,
            () -> Bind.init(new Bind.Context().workers(-1)));
        assertContains(workers.getMessage(), "workers -1");
        IllegalArgumentException window = assertThrows(IllegalArgumentException.class,
            () -> Bind.init(new Bind.Context().windowOps(0)));
        assertContains(window.getMessage(), "windowOps 0");
        try (Bind bind = Bind.init(new Bind.Context().workers(3))) {
            assertEquals(3, bind.workers(), "a failed init left nothing behind");
        }
    }

    @Test
    void shouldRejectArraySizesBeforeAllocatingThem() {
        assertContains(assertThrows(IllegalArgumentException.class, () -> IntArray.of(-3)).getMessage(),
            "IntArray length -3 is negative");
        assertContains(assertThrows(IllegalArgumentException.class, () -> ByteArray.of(Integer.MAX_VALUE))
            .getMessage(), "ByteArray length " + Integer.MAX_VALUE, "exceeds the longest Java array");
        long heap = Runtime.getRuntime().maxMemory();
        int length = (int) Math.min(Integer.MAX_VALUE - 8L, heap / Double.BYTES + 1);
        if ((long) length * Double.BYTES > heap) { // a heap of at most 16 GiB: the test JVM's
            IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class,
                () -> DoubleArray.of(length));
            assertContains(tooBig.getMessage(), "DoubleArray of " + length + " elements needs "
                + (long) length * Double.BYTES + " bytes", "maximum heap of " + heap + " bytes", "-Xmx");
        }
        try (Bind bind = Bind.init()) {
            assertEquals(5, LongArray.of(5).length(), "a size that fits is accepted");
        }
    }

    @Test
    void shouldCapVersionsFromPeersAtAQuarterOfTheHeapByDefault() {
        long expected = Math.min(Bind.Context.MAX_VERSION_BYTES_LIMIT,
            Math.max(1L << 20, Runtime.getRuntime().maxMemory() / 4));
        assertEquals(expected, Bind.Context.defaultMaxVersionBytes());
        if (System.getProperty(Bind.Context.MAX_VERSION_BYTES_PROP_NAME) == null) {
            assertEquals(expected, new Bind.Context().maxVersionBytes());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Bind.init(new Bind.Context().maxVersionBytes(Bind.Context.MAX_VERSION_BYTES_LIMIT + 1)));
        assertContains(e.getMessage(), "maxVersionBytes " + (Bind.Context.MAX_VERSION_BYTES_LIMIT + 1));
    }

    @Test
    void shouldRejectNullForAVersionedParameter() {
        try (Bind bind = Bind.init()) {
            BindException e = assertThrows(BindException.class, () -> Misuse.fill(null, 1));
            assertContains(e.getMessage(), "Misuse.fill", "parameter 0 (a)", "null");
            bind.sync();
            assertEquals(0, bind.counters().opsRun(), "nothing was recorded");
        }
    }

    static void assertContains(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message != null && message.contains(part),
                () -> "expected the message to contain \"" + part + "\", but it was: " + message);
        }
    }
}
