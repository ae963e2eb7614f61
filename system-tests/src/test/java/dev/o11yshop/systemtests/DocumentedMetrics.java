package dev.o11yshop.systemtests;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The metric names of the components the build machines cannot run (no binary of either can be had here), from
 * the lists that document them with their sources: Loki 3.3 ({@code loki-3.3-metrics.txt} of this module) and the
 * OpenTelemetry Collector 0.114 ({@code chart-tests/src/test/resources/otelcol-0.114-metrics.txt}).
 */
final class DocumentedMetrics {
    private DocumentedMetrics() {
    }

    static Set<String> loki() {
        return names(DocumentedMetrics.class.getResourceAsStream("/loki-3.3-metrics.txt"), "loki-3.3-metrics.txt");
    }

    /** The collector's list, or empty when the file is missing (a checkout without chart-tests). */
    static Optional<Set<String>> collector() {
        Path file = collectorFile();
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(names(Files.newInputStream(file), file.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path collectorFile() {
        return Path.of(System.getProperty("o11yshop.root", "..")).resolve("chart-tests/src/test/resources/otelcol-0.114-metrics.txt");
    }

    /** Whether {@code name} is listed, or is a listed histogram's {@code _bucket}/{@code _sum}/{@code _count}. */
    static boolean listed(Set<String> list, String name) {
        if (list.contains(name)) {
            return true;
        }
        for (String suffix : List.of("_bucket", "_sum", "_count")) {
            if (name.endsWith(suffix) && list.contains(name.substring(0, name.length() - suffix.length()))) {
                return true;
            }
        }
        return false;
    }

    private static Set<String> names(InputStream in, String what) {
        Objects.requireNonNull(in, what + " not found");
        Set<String> names = new TreeSet<>();
        try (in) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String name = line.strip();
                if (!name.isEmpty() && !name.startsWith("#")) {
                    names.add(name);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(what, e);
        }
        return names;
    }
}
