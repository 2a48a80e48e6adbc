package org.bind.linalg.kernel;

import java.util.Locale;
import java.util.function.Supplier;

/**
 * Picks the tile kernels once per class loader: OpenBLAS when it loads, else the pure-Java fallback, with a note
 * on stderr saying why. The system property {@value #KERNELS_PROP_NAME} overrides the choice: {@code auto}
 * (default), {@code openblas} (fail when it cannot load) or {@code java}.
 *
 * <p>Thread safe.
 */
public final class Kernels {
    public static final String KERNELS_PROP_NAME = "bind.linalg.kernels";
    public static final String KERNELS_DEFAULT = "auto";

    private static final Choice CHOICE = choose(System.getProperty(KERNELS_PROP_NAME, KERNELS_DEFAULT),
        OpenBlasTileKernels::new);

    private Kernels() {
    }

    /** The kernels picked, and why OpenBLAS is not used (null when it is). */
    public record Choice(TileKernels kernels, String nativeProblem) {
    }

    /** The kernels in use in this class loader. */
    public static TileKernels active() {
        return CHOICE.kernels();
    }

    /** Why OpenBLAS is not in use, or null when it is. */
    public static String nativeProblem() {
        return CHOICE.nativeProblem();
    }

    /**
     * Picks kernels for {@code mode} ({@code auto}, {@code openblas} or {@code java}), loading the native ones
     * through {@code nativeLoader}; in {@code auto} mode a loader that throws (a missing library, jar or
     * platform) gives the Java kernels and a note on stderr.
     *
     * @throws IllegalArgumentException for another mode, or in {@code openblas} mode when loading fails
     */
    public static Choice choose(String mode, Supplier<? extends TileKernels> nativeLoader) {
        String normalized = mode == null ? KERNELS_DEFAULT : mode.trim().toLowerCase(Locale.ROOT);
        switch (normalized) {
            case "java":
                return new Choice(new JavaTileKernels(), KERNELS_PROP_NAME + "=java");
            case "openblas":
            case "auto":
                try {
                    return new Choice(nativeLoader.get(), null);
                } catch (LinkageError | RuntimeException e) {
                    String problem = "OpenBLAS could not be loaded: " + e;
                    if (normalized.equals("openblas")) {
                        throw new IllegalArgumentException(KERNELS_PROP_NAME + "=openblas, but " + problem, e);
                    }
                    System.err.println("bind-linalg: " + problem + "; using the pure-Java tile kernels (slower)");
                    return new Choice(new JavaTileKernels(), problem);
                }
            default:
                throw new IllegalArgumentException(KERNELS_PROP_NAME + " '" + mode
                    + "' must be auto, openblas or java");
        }
    }
}
