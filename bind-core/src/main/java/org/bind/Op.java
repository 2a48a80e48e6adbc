package org.bind;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method as an op: when sequential code calls it, the call is recorded into the task DAG
 * with its arguments and run later by the runtime, in parallel with everything it does not depend on.
 * The method must return {@code void}; it may be static or an instance method. A call made from inside
 * a running op runs inline.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Op {
    /**
     * Among ops that are ready at the same time on one rank, those of higher priority run first (and are
     * taken first by idle workers). Results never depend on priorities: they only order work the DAG leaves
     * free. The default, 0, keeps the runtime's own order; a call can override it with
     * {@link Bind#priority(int)}.
     */
    int priority() default 0;
}
