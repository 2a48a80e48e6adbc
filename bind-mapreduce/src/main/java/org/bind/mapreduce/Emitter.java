package org.bind.mapreduce;

/**
 * Where a {@link Mapper} emits its pairs. Valid only during the {@code apply} call it was passed to.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
@FunctionalInterface
public interface Emitter<K, V> {
    /**
     * Emits one pair; a key's values keep their emission order. The key and value are captured by value at the call,
     * as op arguments are (primitive arrays copied, records and registered codecs' values copied deeply): the caller
     * may reuse and change its own afterwards.
     *
     * @throws IllegalArgumentException when {@code key} or {@code value} is null or not of the step's declared type
     */
    void emit(K key, V value);
}
