package org.bind.intercept;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * {@link ModuleAccess} gives a class loader's unnamed module what {@code --add-exports} and {@code --add-opens}
 * would, checked with the JDK's own answers ({@link Module#isExported}, {@link Module#isOpen}) on a fresh class
 * loader whose unnamed module had none of it.
 */
class ModuleAccessTest {
    @Test
    void shouldExportAndOpenJavaBasePackagesToTheUnnamedModuleOfALoader() throws Exception {
        try (URLClassLoader loader = new URLClassLoader(new URL[0], null)) {
            Module javaBase = Object.class.getModule();
            Module unnamed = loader.getUnnamedModule();
            assertFalse(javaBase.isExported("jdk.internal.misc", unnamed), "exported before the grant");
            assertFalse(javaBase.isOpen("java.nio", unnamed), "open before the grant");

            ModuleAccess.grantJavaBase(loader, List.of("jdk.internal.misc"), List.of("java.nio"));

            assertTrue(javaBase.isExported("jdk.internal.misc", unnamed));
            assertTrue(javaBase.isOpen("java.nio", unnamed));
            assertFalse(javaBase.isOpen("java.lang", unnamed), "opened a package that was not asked for");
            // a second grant of the same packages does nothing and does not fail
            ModuleAccess.grantJavaBase(loader, List.of("jdk.internal.misc"), List.of("java.nio"));
        }
    }
}
