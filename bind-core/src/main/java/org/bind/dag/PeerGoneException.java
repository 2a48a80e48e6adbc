package org.bind.dag;

import org.bind.BindException;
import org.bind.RemoteOpException;

/**
 * Why a receive was abandoned: a peer was lost, gave up on the job or closed its transport too early (the message
 * says which, "rank k lost: ..."). It is the cause of the failure of every version that receive would have
 * brought, and of the ops skipped for want of it, so that a read of such a version fails naming the lost rank
 * rather than only the abandoned receive ({@link #reasonIn}).
 */
final class PeerGoneException extends BindException {
    private static final long serialVersionUID = 1L;

    PeerGoneException(String reason) {
        super(reason);
    }

    /**
     * The peer's loss behind {@code error}, or null when {@code error} is something else: the message of a
     * {@code PeerGoneException} in its causes, or, for a version that failed on another rank ({@link RemoteOpException}
     * of this class), where and why ("on rank 0: rank 2 lost: ...").
     */
    static String reasonIn(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof PeerGoneException) {
                return t.getMessage();
            }
            if (t instanceof RemoteOpException remote
                && remote.remoteClassName().equals(PeerGoneException.class.getName())) {
                return remote.getMessage().substring(remote.remoteClassName().length() + 1);
            }
        }
        return null;
    }
}
