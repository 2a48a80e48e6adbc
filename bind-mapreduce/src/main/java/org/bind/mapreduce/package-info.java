/**
 * Key/value map, combine and reduce with an implicit shuffle ({@link org.bind.mapreduce.KVPairs}), and a
 * distributed sample sort of primitive values ({@link org.bind.mapreduce.Sort}), both written as ordinary Bind
 * ops over versioned data.
 */
package org.bind.mapreduce;
