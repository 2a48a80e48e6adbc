package org.bind.version;

/**
 * An object whose versions the runtime tracks, as the runtime sees it ({@code org.bind.Versioned} is the
 * implementation users extend). The runtime's packages name this interface, never the public class, so that the
 * API package depends on them and not the other way round.
 */
public interface Tracked {
    /** The object's id, the same on every rank of one program. */
    long id();

    /** The runtime's record of this object's versions. */
    VersionChain versionChain();

    /** The object's name in messages. */
    String name();

    /** Whether every rank keeps a copy of each version. */
    boolean replicated();
}
