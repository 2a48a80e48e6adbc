package org.bind.dag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.bind.testing.DumpStacksOnTimeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link SendOrder}: sends of one object to one child start one after the other in the order they were planned;
 * other objects and other children are not held up; nothing stays behind once every send ended.
 */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SendOrderUnitTest {
    @Test
    void shouldStartSendsOfOneObjectToOneChildInPlanOrderAndHoldUpNothingElse() {
        SendOrder<String> order = new SendOrder<>();
        assertTrue(order.admit(1, 7, "x7 v1 to 1"));
        assertFalse(order.admit(1, 7, "x7 v2 to 1"), "behind v1");
        assertFalse(order.admit(1, 7, "x7 v3 to 1"), "behind v2");
        assertTrue(order.admit(2, 7, "x7 v1 to 2"), "another child");
        assertTrue(order.admit(1, 8, "x8 v1 to 1"), "another object");
        assertEquals(3, order.underWay());

        assertEquals("x7 v2 to 1", order.ended(1, 7));
        assertEquals("x7 v3 to 1", order.ended(1, 7));
        assertNull(order.ended(1, 7), "none waits");
        assertTrue(order.admit(1, 7, "x7 v4 to 1"), "nothing of x7 under way to 1 any more");
        assertNull(order.ended(1, 7));
        assertNull(order.ended(2, 7));
        assertNull(order.ended(1, 8));
        assertEquals(0, order.underWay(), "nothing kept once every send ended");
    }
}
