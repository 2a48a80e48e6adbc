package org.bind.schedule;

/**
 * A task with a priority: among ready tasks, higher priorities run first; equal ones in submission order.
 * Priority 0 is the default order of the {@link Scheduler} (no ranking cost).
 */
public interface Prioritized {
    /** Higher runs first; 0 for the scheduler's default order. */
    int priority();

    /** Submission order, unique per scheduler: breaks ties between equal priorities. */
    long sequence();
}
