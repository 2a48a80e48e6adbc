package org.bind.codec;

import org.bind.BindException;

/** Malformed bytes, or a type that has no codec. */
public class CodecException extends BindException {
    private static final long serialVersionUID = 1L;

    public CodecException(String message) {
        super(message);
    }
}
