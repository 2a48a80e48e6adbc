package org.bind.transport;

/** A frame failed validation; it is dropped and counted, and nothing is allocated for it. */
public class MalformedFrameException extends TransportException {
    private static final long serialVersionUID = 1L;

    public MalformedFrameException(String message) {
        super(message);
    }
}
