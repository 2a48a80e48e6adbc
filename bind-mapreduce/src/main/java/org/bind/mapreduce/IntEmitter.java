package org.bind.mapreduce;

/**
 * Where a {@link IntMapper} emits its pairs, each value a primitive {@code int} folded at once into its key's
 * slot (see {@link KVPairs#mapToInt}): no box per pair. Valid only during the {@code apply} call it was passed to.
 *
 * @param <K> the key type
 */
public interface IntEmitter<K> {
    /**
     * Emits one pair: {@code value} is folded into the value so far of {@code key} with the step's combiner. A new
     * key is captured by value at the call, as {@link Emitter#emit} captures it.
     *
     * @throws IllegalArgumentException when {@code key} is null or not of the step's declared key type
     */
    void emit(K key, int value);

    /**
     * Emits one pair with a {@code Long} or {@code Integer} key given as a primitive, so that the key is not boxed
     * either ({@code out.emit(id, 1)} picks this method for a primitive {@code id}). With
     * such keys, a boxed key and a boxed value fit both methods: pass the value as a primitive.
     *
     * @throws IllegalArgumentException when the declared key type is neither {@code Long} nor {@code Integer}, or it
     *                                  is {@code Integer} and {@code key} is out of the {@code int} range
     */
    void emit(long key, int value);
}
