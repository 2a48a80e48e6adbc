package org.bind.version;

/**
 * Why a version has no value: the op that failed first on the path that produced it.
 *
 * @param opName the failed op as {@code Class.method}
 * @param rank   the rank it failed on
 * @param epoch  the epoch (number of completed syncs) it failed in
 * @param cause  the op's exception
 */
public record Failure(String opName, int rank, long epoch, Throwable cause) {
}
