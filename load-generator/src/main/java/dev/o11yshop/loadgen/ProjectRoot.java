package dev.o11yshop.loadgen;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.Optional;

/**
 * The o11y-shop checkout whose built jars {@code local} and {@code bench} run: the one this jar was built in
 * ({@code <root>/load-generator/target/load-generator.jar}), else the working directory or one of its parents.
 */
final class ProjectRoot {
    private ProjectRoot() {
    }

    static Optional<Path> find() {
        return fromJar().or(() -> upwardsFrom(Path.of("").toAbsolutePath()));
    }

    static boolean holdsServiceJars(Path dir) {
        return FaultCommand.SERVICES.stream()
                .allMatch(module -> Files.isRegularFile(dir.resolve(module).resolve("target").resolve(module + ".jar")));
    }

    private static Optional<Path> fromJar() {
        CodeSource source = ProjectRoot.class.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            return Optional.empty();
        }
        try {
            return upwardsFrom(Path.of(source.getLocation().toURI()));
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
    }

    private static Optional<Path> upwardsFrom(Path start) {
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (holdsServiceJars(dir)) {
                return Optional.of(dir);
            }
        }
        return Optional.empty();
    }
}
