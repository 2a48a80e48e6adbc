package org.bind.version;

/** Told once when a version it waits for is done (ready or failed). Called on the completing thread. */
@FunctionalInterface
public interface VersionWaiter {
    void onVersionDone(Version version);
}
