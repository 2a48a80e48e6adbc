package org.bind.mapreduce;

import java.util.List;

/**
 * The function of one {@link KVPairs} step: called once per key with all the key's values (on this rank, or,
 * for {@code reduce}, in the whole job), it emits any number of new pairs.
 *
 * <p>It runs inside ops, on several workers at once (one call per key; different keys in parallel), so it must
 * be safe to call concurrently: keep no shared mutable state. It must not change {@code values}.
 *
 * @param <K>  the key type read
 * @param <V>  the value type read
 * @param <K2> the key type emitted
 * @param <V2> the value type emitted
 */
@FunctionalInterface
public interface Mapper<K, V, K2, V2> {
    /** Emits the pairs for {@code key} and its {@code values} (in arrival order) through {@code out}. */
    void apply(K key, List<V> values, Emitter<K2, V2> out);
}
