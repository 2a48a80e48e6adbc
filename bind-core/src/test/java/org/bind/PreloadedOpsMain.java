package org.bind;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Run by {@link InterceptionTest} in a fresh JVM, so that its classes are loaded before the first
 * {@code Bind.init} of the JVM and the interception must retransform them. Prints {@code key=value} lines.
 */
public final class PreloadedOpsMain {
    private PreloadedOpsMain() {
    }

    /** An op of the main class itself, which is always loaded before {@code Bind.init}. */
    @Op
    static void mainOp(IntArray target, @ByRef AtomicReference<String> thread) {
        thread.set(Thread.currentThread().getName());
        int[] d = target.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = d[i] * 10 + i;
        }
    }

    /**
     * A receiver class that {@code main} only names in a lambda: verifying the retransformed {@code main} loads
     * it while the interception is being installed.
     */
    static final class Tally {
        String thread;
        int total;

        @Op
        void add(@In IntArray values) {
            thread = Thread.currentThread().getName();
            for (int v : values.data()) {
                total += v;
            }
        }
    }

    public static void main(String[] args) throws Exception {
        PreloadedOps.touch();
        System.out.println("touched=" + PreloadedOps.touched);
        try (Bind bind = Bind.init(new Bind.Context().workers(2))) {
            IntArray a = IntArray.of(3);
            AtomicReference<String> opThread = new AtomicReference<>();
            CountDownLatch returned = new CountDownLatch(1);
            PreloadedOps.record(a, 5, opThread, returned);
            returned.countDown();
            AtomicReference<String> mainOpThread = new AtomicReference<>();
            mainOp(a, mainOpThread);
            bind.sync();
            System.out.println("opThread=" + opThread.get());
            System.out.println("mainOpThread=" + mainOpThread.get());
            System.out.println("values=" + Arrays.toString(a.toArray()));
            Tally tally = new Tally();
            Runnable addTwice = () -> {
                tally.add(a);
                tally.add(a);
            };
            addTwice.run();
            bind.sync();
            System.out.println("tallyThread=" + tally.thread);
            System.out.println("tally=" + tally.total);
            try {
                PreloadedOps.takesList(a, new ArrayList<>());
                System.out.println("misuse=none");
            } catch (BindException e) {
                System.out.println("misuse=" + e.getMessage());
            }
        }
        System.out.println("done");
    }
}
