package org.bind.mpi.mpj;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import org.bind.BindException;
import org.bind.transport.TransportFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class MpjTransportFactoryTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(30)
    void shouldBeFoundByServiceLoaderUnderItsName() {
        boolean found = ServiceLoader.load(TransportFactory.class).stream()
            .anyMatch(provider -> provider.get().name().equals("mpj") && provider.type() == MpjTransportFactory.class);
        assertTrue(found, "no TransportFactory named mpj");
    }

    @Test
    @Timeout(30)
    void shouldWriteAgentJarNamingBindAgentAndRuntimeClasspath() throws Exception {
        Path classes = Files.createDirectories(dir.resolve("classes"));
        Path jar = Files.createFile(dir.resolve("lib.jar"));
        Path agent = MulticoreAgentJar.write(dir.resolve("out/agent.jar"), List.of(classes, jar));
        try (JarFile written = new JarFile(agent.toFile())) {
            Manifest manifest = written.getManifest();
            assertEquals("org.bind.intercept.BindAgent", manifest.getMainAttributes().getValue("Premain-Class"));
            assertEquals("true", manifest.getMainAttributes().getValue("Can-Retransform-Classes"));
            assertEquals(classes.toUri() + " " + jar.toUri(), manifest.getMainAttributes().getValue("Class-Path"));
            assertTrue(classes.toUri().toString().endsWith("/"), "directory entries must end with /");
        }
    }

    @Test
    @Timeout(30)
    void shouldRefuseMissingRuntimeEntry() {
        BindException e = assertThrows(BindException.class,
            () -> MulticoreAgentJar.write(dir.resolve("agent.jar"), List.of(dir.resolve("missing.jar"))));
        assertTrue(e.getMessage().contains("missing.jar"), e.getMessage());
    }
}
