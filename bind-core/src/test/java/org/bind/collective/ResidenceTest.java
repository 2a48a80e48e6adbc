package org.bind.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * Who holds a version and who sends it to whom, against a plain model: the set of holders (owner plus every
 * requester so far) and, per epoch, the list {@code [owner, requesters in order]} whose entry {@code i} receives from
 * entry {@code (i - 1) / 2}. Requesters cross the change from the short holder list to one bit per rank, in jobs
 * of 3 to 1100 ranks, over several epochs.
 */
class ResidenceTest {
    @Test
    void shouldAgreeWithAPlainModelOfHoldersAndTreeParents() {
        SplittableRandom random = new SplittableRandom(42);
        for (int size : new int[] {3, 8, 65, 200, 1100}) {
            for (int trial = 0; trial < 20; trial++) {
                int owner = random.nextInt(size);
                Residence residence = Residence.on(owner, size);
                boolean[] holds = new boolean[size];
                holds[owner] = true;
                for (long epoch = 0; epoch < 3; epoch++) {
                    List<Integer> list = new ArrayList<>(List.of(owner));
                    int requests = random.nextInt(Math.min(size, 12));
                    for (int r = 0; r < requests; r++) {
                        int requester = random.nextInt(size);
                        if (holds[requester]) {
                            continue;
                        }
                        list.add(requester);
                        holds[requester] = true;
                        int expectedParent = list.get((list.size() - 2) / 2);
                        assertEquals(expectedParent, residence.addRequester(requester, epoch),
                            "parent of " + requester + " in epoch " + epoch + ", " + size + " ranks");
                    }
                    for (int rank = 0; rank < size; rank++) {
                        assertEquals(holds[rank], residence.heldBy(rank), "rank " + rank + " of " + size);
                    }
                }
            }
        }
    }

    @Test
    void shouldHoldEverywhereAndRefuseRequests() {
        Residence everywhere = Residence.everywhere(1024);
        for (int rank = 0; rank < 1024; rank++) {
            assertTrue(everywhere.heldBy(rank), "rank " + rank);
        }
        assertEquals(Residence.ALL, everywhere.owner());
        assertThrows(IllegalStateException.class, () -> everywhere.addRequester(3, 0));
    }
}
