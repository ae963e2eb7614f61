package dev.o11yshop.observability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.Collections;

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

    private static URL shippedFile(Class<?> anchor) {
        String home = anchor.getProtectionDomain().getCodeSource().getLocation().toString();
        try {
            return Collections.list(anchor.getClassLoader().getResources(FILE)).stream()
                    .filter(url -> url.toString().contains(home))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no " + FILE + " in " + home));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + FILE + " on the class path", e);
        }
    }
}
