package org.bind;

/**
 * The one unchecked exception family of Bind: misuse of the API, a failed op, a lost rank, bad input.
 * Messages name the culprit (the object, op, rank or value).
 */
public class BindException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BindException(String message) {
        super(message);
    }

    public BindException(String message, Throwable cause) {
        super(message, cause);
    }
}
