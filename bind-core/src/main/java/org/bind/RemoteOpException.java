package org.bind;

/**
 * The exception of an op that failed on another rank, as text (exceptions do not cross ranks as objects): its
 * class name, message and stack trace. The cause of an {@link OpFailedException} on every rank but the failing
 * one; catch it to tell a remote failure from a local one.
 */
public final class RemoteOpException extends BindException {
    private static final long serialVersionUID = 1L;
    private final String remoteClassName;

    /** Made by the runtime from a failure report received from {@code rank}. */
    public RemoteOpException(String remoteClassName, String remoteText, int rank) {
        super(remoteClassName + " on rank " + rank + ": " + remoteText);
        this.remoteClassName = remoteClassName;
    }

    /** The class name of the exception the op threw on its rank. */
    public String remoteClassName() {
        return remoteClassName;
    }
}
