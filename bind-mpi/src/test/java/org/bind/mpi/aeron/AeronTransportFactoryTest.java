package org.bind.mpi.aeron;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;

import org.bind.transport.TransportException;
import org.bind.transport.TransportFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AeronTransportFactoryTest {
    private static Map<String, String> valid() {
        Map<String, String> env = new HashMap<>();
        env.put("BIND_RANK", "1");
        env.put("BIND_SIZE", "2");
        env.put("BIND_JOB", "ff00aa");
        env.put("BIND_PEERS", "127.0.0.1:40100,127.0.0.1:40101");
        env.put("BIND_SECRET", "00ff");
        return env;
    }

    private static String failure(String variable, String value) {
        Map<String, String> env = valid();
        if (value == null) {
            env.remove(variable);
        } else {
            env.put(variable, value);
        }
        return assertThrows(TransportException.class, () -> AeronTransportFactory.settings(env)).getMessage();
    }

    @Test
    void shouldBeFoundByName() {
        boolean found = ServiceLoader.load(TransportFactory.class).stream()
            .anyMatch(provider -> provider.get().name().equals("aeron"));
        assertTrue(found, "aeron factory not registered");
    }

    @Test
    void shouldReadTheJobFromTheEnvironment() {
        AeronSettings settings = AeronTransportFactory.settings(valid());
        assertEquals(1, settings.rank());
        assertEquals(2, settings.size());
        assertEquals(0xff00aaL, settings.jobId());
        assertEquals(40101, settings.peers().get(1).getPort());
        assertEquals(2, settings.secret().length);
    }

    /** A job of one rank has no peer: it starts no media driver and no polling thread, and runs as a program alone. */
    @Test
    void shouldStartNoTransportForAJobOfOneRank() {
        Map<String, String> env = new HashMap<>();
        env.put("BIND_RANK", "0");
        env.put("BIND_SIZE", "1");
        env.put("BIND_JOB", "ff00ab");
        env.put("BIND_PEERS", "127.0.0.1:40102");
        env.put("BIND_SECRET", "00ff");
        TransportFactory.Bootstrap joined = new AeronTransportFactory().join(new String[] {"--n", "4"}, env);
        assertNull(joined.transport(), "a job of one rank needs no transport");
        assertEquals(0xff00abL, joined.jobId());
        assertArrayEquals(new String[] {"--n", "4"}, joined.applicationArgs());
        assertTrue(Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .noneMatch(name -> name.startsWith("bind-aeron") || name.startsWith("aeron")),
            "no Aeron thread should run for a job of one rank");
    }

    @Test
    void shouldNameMissingOrMalformedVariables() {
        for (String variable : new String[] {"BIND_RANK", "BIND_SIZE", "BIND_JOB", "BIND_PEERS"}) {
            String message = failure(variable, null);
            assertTrue(message.startsWith(variable + " is not set"), message);
        }
        assertTrue(failure("BIND_RANK", "x").startsWith("BIND_RANK='x' is not a number"));
        assertTrue(failure("BIND_RANK", "2").startsWith("BIND_RANK=2 out of range [0, 1]"));
        assertTrue(failure("BIND_JOB", "xyz").startsWith("BIND_JOB='xyz' is not a hexadecimal job id"));
        assertTrue(failure("BIND_PEERS", "127.0.0.1:1").startsWith("BIND_PEERS lists 1 endpoints for 2 ranks"));
        assertTrue(failure("BIND_PEERS", "127.0.0.1:1,localhost").startsWith("BIND_PEERS entry 'localhost' is not host:port"));
        assertTrue(failure("BIND_SECRET", "abc").startsWith("BIND_SECRET is not hexadecimal"));
        assertTrue(failure("BIND_HEARTBEAT_MS", "-5").startsWith("BIND_HEARTBEAT_MS='-5' is not a positive number"));
    }
}
