package org.bind.mpi.aeron;

/**
 * Where this rank stands with one peer: the start-up handshake, then the life of the connection. Every transition
 * is in {@link #on}; an event that does not apply to a state leaves it unchanged, so a message out of order (or
 * from a session that proved nothing) can never move a peer backwards or skip a step.
 *
 * <pre>
 *   NEW --HELLO_SENT--> HELLO_SENT --PEER_PROVED--> PROVED --PEER_ACCEPTED--> ACTIVE --PEER_BYE--> CLOSED
 *                                                     |                          '--PEER_SILENT--> LOST
 *                                                     '--PEER_BYE--> CLOSED
 * </pre>
 *
 * <p>NEW: our HELLO has not gone out (the publication is not connected yet). HELLO_SENT: it has; we answer the
 * peer's HELLOs with proofs and wait for its own proof. PROVED: the peer's session proved the secret and is bound to
 * its rank; we wait for the peer to accept our proof. Only messages of a bound session raise PEER_ACCEPTED and
 * PEER_BYE; PEER_PROVED needs a proof over this rank's nonce made with the job's secret.
 */
enum Handshake {
    NEW, HELLO_SENT, PROVED, ACTIVE, CLOSED, LOST;

    /** What moves a peer from one state to the next. */
    enum Event { HELLO_SENT, PEER_PROVED, PEER_ACCEPTED, PEER_BYE, PEER_SILENT }

    /** The state after {@code event}; {@code this} when the event does not apply. */
    Handshake on(Event event) {
        return switch (event) {
            case HELLO_SENT -> this == NEW ? HELLO_SENT : this;
            case PEER_PROVED -> this == HELLO_SENT ? PROVED : this;
            case PEER_ACCEPTED -> this == PROVED ? ACTIVE : this;
            case PEER_BYE -> this == PROVED || this == ACTIVE ? CLOSED : this;
            case PEER_SILENT -> this == ACTIVE ? LOST : this;
        };
    }

    /** Whether the handshake with this peer is still under way. */
    boolean connecting() {
        return this == NEW || this == HELLO_SENT || this == PROVED;
    }
}
