package org.bind;

/**
 * An op threw. Thrown by {@link Bind#sync()} on every rank; the cause is the op's own exception.
 * Ops that depended on the failed op's outputs were skipped; independent ops still ran.
 */
public class OpFailedException extends BindException {
    private static final long serialVersionUID = 1L;

    private final String opName;
    private final int rank;

    public OpFailedException(String opName, int rank, Throwable cause) {
        super("op " + opName + " failed on rank " + rank + ": " + describe(cause), cause);
        this.opName = opName;
        this.rank = rank;
    }

    /** The failed op as {@code Class.method}. */
    public String opName() {
        return opName;
    }

    /** The rank the op failed on. */
    public int rank() {
        return rank;
    }

    private static String describe(Throwable cause) {
        if (cause == null) {
            return "no cause";
        }
        String message = cause.getMessage();
        return message == null ? cause.getClass().getName() : cause.getClass().getName() + ": " + message;
    }
}
