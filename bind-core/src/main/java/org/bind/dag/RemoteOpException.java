package org.bind.dag;

import org.bind.BindException;

/**
 * The exception of an op that failed on another rank, as text (exceptions do not cross ranks as objects).
 * The cause of an {@link org.bind.OpFailedException} on every rank but the failing one.
 */
public final class RemoteOpException extends BindException {
    private static final long serialVersionUID = 1L;
    private final String remoteClassName;

    public RemoteOpException(String remoteClassName, String remoteText, int rank) {
        super(remoteClassName + " on rank " + rank + ": " + remoteText);
        this.remoteClassName = remoteClassName;
    }

    /** The class name of the exception the op threw on its rank. */
    public String remoteClassName() {
        return remoteClassName;
    }
}
