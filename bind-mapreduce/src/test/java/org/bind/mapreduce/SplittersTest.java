package org.bind.mapreduce;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class SplittersTest {
    @Test
    void shouldFindTheBucketOfTheDefinitionForEverySplitterCount() {
        SplittableRandom random = new SplittableRandom(11);
        for (int count = 0; count <= 40; count++) {
            int[] splitters = random.ints(count, -50, 50).sorted().toArray();
            Splitters.Finder finder = new Splitters.Finder(splitters);
            for (int v = -60; v <= 60; v++) {
                for (int v2 : new int[] {v, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
                    int below = (int) Arrays.stream(splitters).filter(s -> s < v2).count();
                    int atMost = (int) Arrays.stream(splitters).filter(s -> s <= v2).count();
                    assertEquals(below, finder.lowerBound(v2), Arrays.toString(splitters) + " v=" + v2);
                    int bucket = finder.bucket(v2);
                    assertTrue(bucket >= below && bucket <= atMost, "bucket " + bucket + " of " + v2 + " in "
                        + Arrays.toString(splitters));
                }
            }
        }
    }

    @Test
    void shouldDealTiesRoundRobinOverTheBucketsTheySpan() {
        Splitters.Finder finder = new Splitters.Finder(new int[] {1, 5, 5, 5, 9});
        int[] seen = new int[6];
        for (int i = 0; i < 400; i++) {
            seen[finder.bucket(5)]++;
        }
        assertArrayEquals(new int[] {0, 100, 100, 100, 100, 0}, seen);
        assertEquals(0, finder.bucket(Integer.MIN_VALUE));
        assertEquals(5, finder.bucket(Integer.MAX_VALUE));
    }

    @Test
    void shouldChooseWeightedQuantiles() {
        // rank 0: 1000 values sampled as [0, 1, ..., 9] x 10; rank 1: 3000 values sampled as 100 x 10
        int perRank = 10;
        int stride = perRank + Splitters.HEADER;
        int[] all = new int[2 * stride];
        all[1] = 1000;
        all[2] = perRank;
        for (int i = 0; i < perRank; i++) {
            all[Splitters.HEADER + i] = i;
        }
        all[stride + 1] = 3000;
        all[stride + 2] = perRank;
        Arrays.fill(all, stride + Splitters.HEADER, 2 * stride, 100);
        // a quarter of the weight is rank 0's: the first of 4 buckets ends within its values, the others at 100
        assertArrayEquals(new int[] {9, 100, 100}, Splitters.choose(all, 2, perRank, 4));
    }

    @Test
    void shouldSampleWithTheLengthInTheHeader() {
        int[] local = new SplittableRandom(1).ints(1000).toArray();
        int[] sample = new int[Splitters.HEADER + 64];
        Splitters.sample(local, sample, 3);
        assertEquals(0, sample[0]);
        assertEquals(1000, sample[1]);
        assertEquals(64, sample[2]);
        for (int i = Splitters.HEADER; i < sample.length; i++) {
            int value = sample[i];
            assertTrue(Arrays.stream(local).anyMatch(x -> x == value));
        }
        int[] empty = new int[Splitters.HEADER + 64];
        Splitters.sample(new int[0], empty, 3);
        assertEquals(0, empty[2]);
    }
}
