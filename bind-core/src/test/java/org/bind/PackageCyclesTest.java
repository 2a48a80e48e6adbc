package org.bind;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.commons.ClassRemapper;
import net.bytebuddy.jar.asm.commons.Remapper;
import org.junit.jupiter.api.Test;

/**
 * Dependencies between bind-core's packages point one way: the test reads every compiled class of bind-core (every
 * type named anywhere in it: constant pool, descriptors, signatures, annotations) and fails on a cycle between
 * packages, naming the classes whose references close it.
 *
 * <p>One kind of reference is not counted: one to an exception or annotation type that reaches nothing outside
 * its own package ({@link BindException}, {@link Op}, ...). Such a type cannot be part of a cycle of classes, and
 * the public API puts it in {@code org.bind}, where every layer of the runtime throws or reads it.
 */
class PackageCyclesTest {
    private static final String ROOT = "org/bind/";

    @Test
    void shouldHaveNoCycleBetweenCorePackages() throws Exception {
        Map<String, Set<String>> classes = readClasses(classesDirectory());
        assertTrue(classes.size() > 60, "read only " + classes.size() + " classes");
        Set<String> leaves = leafTypes(classes);
        assertTrue(leaves.contains("org/bind/BindException") && leaves.contains("org/bind/Op"), "leaves: " + leaves);
        assertFalse(leaves.contains("org/bind/Versioned"), "Versioned reaches the runtime: it is no leaf");
        List<String> cycles = cycles(classes, leaves);
        assertEquals(List.of(), cycles, "package cycles in bind-core");
    }

    @Test
    void shouldReportACycleThroughAClassThatIsNoLeaf() {
        Map<String, Set<String>> classes = new HashMap<>();
        classes.put("org/bind/Api", Set.of("org/bind/dag/Impl"));
        classes.put("org/bind/Error", Set.of());
        classes.put("org/bind/dag/Impl", Set.of("org/bind/Error", "org/bind/version/Chain"));
        classes.put("org/bind/version/Chain", Set.of("org/bind/Api"));
        List<String> cycles = cycles(classes, Set.of("org/bind/Error"));
        assertEquals(1, cycles.size(), cycles.toString());
        assertTrue(cycles.get(0).contains("org.bind.version.Chain -> org.bind.Api"), cycles.get(0));
        assertEquals(List.of(), cycles(Map.of("org/bind/Api", Set.of("org/bind/dag/Impl"),
            "org/bind/dag/Impl", Set.of("org/bind/Error"), "org/bind/Error", Set.of()), Set.of("org/bind/Error")));
    }

    private static Path classesDirectory() throws URISyntaxException {
        return Path.of(Bind.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    /** Per bind-core class (internal name), the other bind-core classes it names. */
    private static Map<String, Set<String>> readClasses(Path root) throws IOException {
        Map<String, Set<String>> classes = new TreeMap<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(p -> p.toString().endsWith(".class")).collect(Collectors.toList());
        }
        for (Path file : files) {
            ClassReader reader;
            try (InputStream in = Files.newInputStream(file)) {
                reader = new ClassReader(in);
            }
            Set<String> named = new TreeSet<>();
            Remapper recorder = new Remapper() {
                @Override
                public String map(String internalName) {
                    if (internalName.startsWith(ROOT)) {
                        named.add(outerClass(internalName));
                    }
                    return internalName;
                }
            };
            reader.accept(new ClassRemapper(new ClassVisitor(Opcodes.ASM9) { }, recorder), 0);
            String self = outerClass(reader.getClassName());
            if (self.endsWith("/package-info")) {
                continue;
            }
            named.remove(self);
            classes.computeIfAbsent(self, k -> new TreeSet<>()).addAll(named);
        }
        return classes;
    }

    private static String outerClass(String internalName) {
        int dollar = internalName.indexOf('$', internalName.lastIndexOf('/'));
        return dollar < 0 ? internalName : internalName.substring(0, dollar);
    }

    private static String packageOf(String internalName) {
        return internalName.substring(0, internalName.lastIndexOf('/')).replace('/', '.');
    }

    /** Exception and annotation types from which no class of another package can be reached. */
    private static Set<String> leafTypes(Map<String, Set<String>> classes) throws ClassNotFoundException {
        Set<String> leaves = new TreeSet<>();
        for (String name : classes.keySet()) {
            Class<?> type = Class.forName(name.replace('/', '.'), false, Bind.class.getClassLoader());
            if ((Throwable.class.isAssignableFrom(type) || type.isAnnotation()) && staysInPackage(name, classes)) {
                leaves.add(name);
            }
        }
        return leaves;
    }

    private static boolean staysInPackage(String start, Map<String, Set<String>> classes) {
        String home = packageOf(start);
        Deque<String> pending = new ArrayDeque<>(List.of(start));
        Set<String> seen = new HashSet<>(pending);
        while (!pending.isEmpty()) {
            for (String next : classes.getOrDefault(pending.pop(), Set.of())) {
                if (!packageOf(next).equals(home)) {
                    return false;
                }
                if (seen.add(next)) {
                    pending.push(next);
                }
            }
        }
        return true;
    }

    /**
     * The package cycles (strongly connected components of more than one package, Tarjan), each described by its
     * packages and the class references between them; references to {@code leaves} are not counted.
     */
    static List<String> cycles(Map<String, Set<String>> classes, Set<String> leaves) {
        Map<String, Set<String>> packages = new TreeMap<>();
        Map<String, List<String>> evidence = new HashMap<>();
        classes.forEach((from, targets) -> {
            packages.computeIfAbsent(packageOf(from), k -> new TreeSet<>());
            for (String to : targets) {
                if (leaves.contains(to) || packageOf(to).equals(packageOf(from))) {
                    continue;
                }
                packages.get(packageOf(from)).add(packageOf(to));
                evidence.computeIfAbsent(packageOf(from) + " " + packageOf(to), k -> new ArrayList<>())
                    .add(from.replace('/', '.') + " -> " + to.replace('/', '.'));
            }
        });
        List<String> found = new ArrayList<>();
        for (Set<String> component : new Tarjan(packages).components()) {
            if (component.size() < 2) {
                continue;
            }
            StringBuilder b = new StringBuilder("cycle between " + component + ":");
            for (String from : component) {
                for (String to : component) {
                    List<String> refs = evidence.get(from + " " + to);
                    if (refs != null) {
                        b.append("\n  ").append(String.join("\n  ", refs));
                    }
                }
            }
            found.add(b.toString());
        }
        return found;
    }

    /** Tarjan's strongly connected components of a small graph (recursive: a few dozen packages). */
    private static final class Tarjan {
        private final Map<String, Set<String>> edges;
        private final Map<String, Integer> index = new HashMap<>();
        private final Map<String, Integer> low = new HashMap<>();
        private final Deque<String> stack = new ArrayDeque<>();
        private final Set<String> onStack = new HashSet<>();
        private final List<Set<String>> components = new ArrayList<>();

        Tarjan(Map<String, Set<String>> edges) {
            this.edges = edges;
        }

        List<Set<String>> components() {
            for (String node : edges.keySet()) {
                if (!index.containsKey(node)) {
                    visit(node);
                }
            }
            return components;
        }

        private void visit(String node) {
            index.put(node, index.size());
            low.put(node, index.get(node));
            stack.push(node);
            onStack.add(node);
            for (String next : edges.getOrDefault(node, Set.of())) {
                if (!index.containsKey(next)) {
                    visit(next);
                    low.put(node, Math.min(low.get(node), low.get(next)));
                } else if (onStack.contains(next)) {
                    low.put(node, Math.min(low.get(node), index.get(next)));
                }
            }
            if (low.get(node).equals(index.get(node))) {
                Set<String> component = new TreeSet<>();
                String member;
                do {
                    member = stack.pop();
                    onStack.remove(member);
                    component.add(member);
                } while (!member.equals(node));
                components.add(component);
            }
        }
    }
}
