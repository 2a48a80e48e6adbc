package org.bind.bench;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/**
 * The same empty work as plain {@link ForkJoinPool} tasks, on a pool of the same parallelism: what a user
 * who writes the parallelism by hand pays per task. Three shapes:
 * <ul>
 *   <li>{@link #tree}: a balanced binary tree of tasks, each forking one child and running the other (the way
 *       fork/join programs are written, as in recursive Fibonacci): thieves take whole subtrees, so steals
 *       are rare and a task costs a push and a pop on the owner's deque. The baseline;</li>
 *   <li>{@link #flat}: one task forks all the others, then joins them: every steal takes a single task;</li>
 *   <li>{@link #submitFromOutside}: a non-pool thread submits every task, then joins them all: the shape of
 *       an op program's submit-then-sync.</li>
 * </ul>
 *
 * <p>Program thread only.
 */
final class ForkJoinBaseline implements AutoCloseable {
    private final ForkJoinPool pool;

    ForkJoinBaseline(int parallelism) {
        this.pool = new ForkJoinPool(parallelism);
    }

    /** An empty task. */
    private static final class Empty extends RecursiveAction {
        private static final long serialVersionUID = 1L;

        @Override
        protected void compute() {
        }
    }

    /** A subtree of {@code size} tasks (itself included). */
    private static final class Subtree extends RecursiveAction {
        private static final long serialVersionUID = 1L;
        private final int size;

        Subtree(int size) {
            this.size = size;
        }

        @Override
        protected void compute() {
            int children = size - 1;
            if (children == 0) {
                return;
            }
            int left = children / 2;
            Subtree right = new Subtree(children - left);
            if (left == 0) {
                right.invoke();
            } else {
                invokeAll(new Subtree(left), right);
            }
        }
    }

    /** Forks {@code count} empty tasks from inside the pool, then joins them newest first. */
    private static final class ForkAll extends RecursiveAction {
        private static final long serialVersionUID = 1L;
        private final int count;

        ForkAll(int count) {
            this.count = count;
        }

        @Override
        protected void compute() {
            Empty[] tasks = new Empty[count];
            for (int i = 0; i < count; i++) {
                tasks[i] = new Empty();
                tasks[i].fork();
            }
            for (int i = count - 1; i >= 0; i--) {
                tasks[i].join();
            }
        }
    }

    /** Wall time, in ns, of running a balanced tree of {@code count} tasks. */
    long tree(int count) {
        long t0 = System.nanoTime();
        pool.invoke(new Subtree(count));
        return System.nanoTime() - t0;
    }

    /** Wall time, in ns, of forking {@code count} empty tasks from one task, then joining them. */
    long flat(int count) {
        long t0 = System.nanoTime();
        pool.invoke(new ForkAll(count));
        return System.nanoTime() - t0;
    }

    /**
     * Wall time, in ns, of submitting {@code count} empty tasks from this (non-pool) thread and then joining
     * them all: the shape of submit-then-sync.
     */
    long submitFromOutside(int count) {
        ForkJoinTask<?>[] tasks = new ForkJoinTask<?>[count];
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            tasks[i] = new Empty();
            pool.execute(tasks[i]);
        }
        for (ForkJoinTask<?> task : tasks) {
            task.join();
        }
        return System.nanoTime() - t0;
    }

    @Override
    public void close() {
        pool.shutdown();
    }
}
