package org.bind.multi;

import java.net.URL;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.bind.Bind;
import org.bind.transport.inproc.InProcJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class RankClassLoaderTest {
    public static final class Main {
        static final AtomicInteger RUNS = new AtomicInteger();

        public static void main(String[] args) {
            try (Bind bind = Bind.init(args)) {
                if (RUNS.incrementAndGet() != 1) {
                    throw new IllegalStateException("rank " + bind.rank() + " shares statics; loader "
                        + Main.class.getClassLoader());
                }
                if (Bind.class.getClassLoader() == Main.class.getClassLoader()) {
                    throw new IllegalStateException("Bind itself was loaded per rank");
                }
            }
        }
    }

    @Test
    @Timeout(60)
    void shouldGiveEachRankItsOwnStatics() {
        URL classes = Main.class.getProtectionDomain().getCodeSource().getLocation();
        InProcJob.runMain(3, new URL[] {classes}, Main.class.getName(), new String[0], Bind.Context::new, 30,
            TimeUnit.SECONDS);
    }
}
