package org.bind.mpi.aeron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.bind.transport.TransportException;
import org.junit.jupiter.api.Test;

/** Where the launcher expects MPJ Express to put the ranks, against placements worked out by hand. */
class HostPlacementTest {
    @Test
    void shouldPlaceRanksInBlocksTheFirstHostsTakingTheRemainder() {
        assertEquals(List.of(0, 0, 1, 1), HostPlacement.mpjBlocks(List.of("10.9.0.1", "10.9.0.2"), 4).hostOfRank());
        assertEquals(List.of(0, 0, 1, 1, 2), HostPlacement.mpjBlocks(List.of("10.9.0.1", "10.9.0.2", "10.9.0.3"), 5)
            .hostOfRank());
        assertEquals(List.of(0, 1), HostPlacement.mpjBlocks(List.of("10.9.0.1", "10.9.0.2", "10.9.0.3"), 2)
            .hostOfRank());
        assertEquals(List.of(0, 0, 0), HostPlacement.mpjBlocks(List.of("localhost"), 3).hostOfRank());
    }

    @Test
    void shouldTreatEntriesOfOneAddressAsOneHost() {
        HostPlacement placement = HostPlacement.mpjBlocks(List.of("10.9.0.1", "10.9.0.2", "10.9.0.1"), 6);
        assertEquals(List.of(0, 0, 1, 1, 0, 0), placement.hostOfRank());
        assertEquals(Set.of(0, 1, 4, 5), placement.sameHost(4));
        assertEquals(Set.of(2, 3), placement.sameHost(2));
    }

    @Test
    void shouldReadBackWhatItWritesAndRefuseWhatDoesNotFit() {
        List<Integer> hosts = new ArrayList<>(List.of(1, 0, 1));
        HostPlacement placement = new HostPlacement(hosts);
        assertEquals(placement, HostPlacement.parse(placement.text(), 3, 2));
        assertThrows(TransportException.class, () -> HostPlacement.parse("0,1", 3, 2));
        assertThrows(TransportException.class, () -> HostPlacement.parse("0,2,1", 3, 2));
        assertThrows(TransportException.class, () -> HostPlacement.parse("0,x,1", 3, 2));
    }
}
