package org.bind.mapreduce;

import java.util.List;

/**
 * The function of {@link KVPairs#mapToDouble}: a {@link Mapper} whose emitted values are primitive {@code double}s, folded
 * as they are emitted. Called once per key with the key's values on this rank; it must be safe to call
 * concurrently and must not change {@code values} (as a {@link Mapper}).
 *
 * @param <K>  the key type read
 * @param <V>  the value type read
 * @param <K2> the key type emitted
 */
@FunctionalInterface
public interface DoubleMapper<K, V, K2> {
    /** Emits the pairs for {@code key} and its {@code values} (in arrival order) through {@code out}. */
    void apply(K key, List<V> values, DoubleEmitter<K2> out);
}
