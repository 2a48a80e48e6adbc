package org.bind.intercept;

/** How an op parameter is passed, from its annotations. */
public enum ParamKind {
    /** {@code @In}: versioned, read only. */
    IN,
    /** {@code @Out}: versioned, write only. */
    OUT,
    /** No annotation: read-write when the argument is versioned, captured by value otherwise. */
    DEFAULT,
    /** {@code @ByRef}: plain object passed by reference. */
    BY_REF
}
