package dev.o11yshop.observability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.Collections;
import java.util.List;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

/**
 * Settings whose defaults are written once: in the module's own {@code application.yaml}, never again in an
 * {@code orElse}. A running service reads {@code Config.create()}, which already layers that file under the
 * environment; a routing built from a partial {@link Config} (the tests' maps) gets the missing keys from the same
 * file. That file is the one next to {@code anchor}'s class (its jar or classes directory), not whichever
 * {@code application.yaml} comes first on the class path: a test JVM holds several services.
 */
public final class ShippedDefaults {
    private static final String FILE = "application.yaml";

    private final Config given;
    private final Config shipped;

    private ShippedDefaults(Config given, Config shipped) {
        this.given = given;
        this.shipped = shipped;
    }

    /** {@code given}'s values, falling back to the {@code application.yaml} shipped with {@code anchor}. */
    public static ShippedDefaults of(Config given, Class<?> anchor) {
        return new ShippedDefaults(given, Config.just(ConfigSources.url(shippedFile(anchor))));
    }

    /**
     * The node of {@code key}, e.g. {@code order.max.bytes}: the given one if it exists, else the shipped one; reading
     * a key that neither has fails with a {@code MissingValueException} naming it.
     */
    public Config get(String key) {
        Config node = given.get(key);
        return node.exists() ? node : shipped.get(key);
    }

    /**
     * The file in {@code anchor}'s jar or classes directory, else in the directory around it: Jib's image keeps
     * classes and resources apart, in {@code /app/classes} and {@code /app/resources}.
     */
    private static URL shippedFile(Class<?> anchor) {
        String home = anchor.getProtectionDomain().getCodeSource().getLocation().toString();
        String around = home.substring(0, home.lastIndexOf('/', home.length() - 2) + 1);
        try {
            List<URL> candidates = Collections.list(anchor.getClassLoader().getResources(FILE));
            return candidates.stream()
                    .filter(url -> url.toString().contains(home))
                    .findFirst()
                    .or(() -> candidates.stream().filter(url -> url.toString().contains(around)).findFirst())
                    .orElseThrow(() -> new IllegalStateException("no " + FILE + " in or beside " + home));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + FILE + " on the class path", e);
        }
    }
}
