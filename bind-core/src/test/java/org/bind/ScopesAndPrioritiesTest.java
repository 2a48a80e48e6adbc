package org.bind;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.bind.testing.DumpStacksOnTimeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(60)
class ScopesAndPrioritiesTest {
    static final class Ops {
        @Op
        static void block(@ByRef CountDownLatch started, @ByRef CountDownLatch release) throws InterruptedException {
            started.countDown();
            if (!release.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not released");
            }
        }

        @Op
        static void log(@ByRef ConcurrentLinkedQueue<String> log, String what) {
            log.add(what);
        }

        @Op(priority = 7)
        static void urgent(@ByRef ConcurrentLinkedQueue<String> log, String what) {
            log.add(what);
        }

        @Op
        static void fill(@Out IntArray a, int value) {
            java.util.Arrays.fill(a.data(), value);
        }
    }

    @Test
    void shouldRunReadyOpsByPriorityOnOneWorker() throws InterruptedException {
        try (Bind bind = Bind.init(new Bind.Context().workers(1))) {
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();
            Ops.block(started, release);
            assertTrue(started.await(30, TimeUnit.SECONDS));
            Ops.log(log, "default-a");
            try (Scope s = bind.priority(-3)) {
                Ops.log(log, "low");
            }
            try (Scope s = bind.priority(5)) {
                Ops.log(log, "five");
                try (Scope inner = bind.priority(10)) {
                    Ops.log(log, "ten");
                }
                Ops.log(log, "five-again");
            }
            Ops.urgent(log, "seven-by-annotation");
            Ops.log(log, "default-b");
            release.countDown();
            bind.sync();
            assertEquals(List.of("ten", "seven-by-annotation", "five", "five-again", "default-a", "default-b", "low"),
                List.copyOf(log));
        }
    }

    @Test
    void shouldRunALambdaScopeOnItsRankOnly() {
        try (Bind bind = Bind.init()) {
            IntArray a = IntArray.of(2);
            bind.on(0, () -> Ops.fill(a, 4));
            bind.sync();
            assertEquals(4, a.toArray()[1]);
        }
    }

    @Test
    void shouldNameWhereAScopeLeftOpenAtSyncWasOpened() {
        Bind bind = Bind.init();
        try {
            Scope leaked = bind.on(0);
            IllegalStateException atSync = assertThrows(IllegalStateException.class, bind::sync);
            assertTrue(atSync.getMessage().contains("ScopesAndPrioritiesTest.java:"), atSync.getMessage());
            assertTrue(atSync.getMessage().contains("rank 0"), atSync.getMessage());
            IllegalStateException atClose = assertThrows(IllegalStateException.class, bind::close);
            assertTrue(atClose.getMessage().startsWith("close() inside the scope of rank 0 opened at"
                + " ScopesAndPrioritiesTest.shouldNameWhereAScopeLeftOpenAtSyncWasOpened(ScopesAndPrioritiesTest.java:"),
                atClose.getMessage());
            leaked.close(); // closed Bind: closing the scope afterwards is harmless
        } finally {
            bind.close();
        }
    }
}
