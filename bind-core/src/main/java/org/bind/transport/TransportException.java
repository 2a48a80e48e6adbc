package org.bind.transport;

import org.bind.BindException;

/** A frame could not be sent or received: peer lost, transport closed, protocol mismatch. */
public class TransportException extends BindException {
    private static final long serialVersionUID = 1L;

    public TransportException(String message) {
        super(message);
    }

    public TransportException(String message, Throwable cause) {
        super(message, cause);
    }
}
