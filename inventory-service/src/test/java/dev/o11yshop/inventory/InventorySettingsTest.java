package dev.o11yshop.inventory;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Map;

import dev.o11yshop.observability.BoundedStore.Bounds;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import org.junit.jupiter.api.Test;

class InventorySettingsTest {
    private static final Bounds FINISHED = new Bounds(10_000, 8L << 20, Duration.ofMinutes(10));
    private static final InventorySettings DOCUMENTED = new InventorySettings(
            Duration.ofSeconds(30), Duration.ofSeconds(1), 500, Duration.ofSeconds(10), 10, 200, FINISHED);

    /** The defaults are written once, in application.yaml: a config without the keys reads them from there. */
    @Test
    void defaultsWithoutConfiguration() {
        InventorySettings settings = InventorySettings.from(Config.empty());

        assertThat(settings, is(DOCUMENTED));
        assertThat(settings.restockEnabled(), is(true));
    }

    @Test
    void theShippedApplicationYamlHasTheDocumentedValues() {
        Config config = Config.just(ConfigSources.classpath("application.yaml"));

        assertThat(InventorySettings.from(config), is(DOCUMENTED));
        assertThat(config.get("port").asInt().get(), is(8080));
        assertThat(config.get("admin.port").asInt().get(), is(9090));
    }

    @Test
    void readsTheKeys() {
        InventorySettings settings = InventorySettings.from(config(Map.of(
                "inventory.reservation.ttl.ms", "5000",
                "inventory.expiry.sweep.interval.ms", "250",
                "inventory.restock.interval.ms", "2000",
                "inventory.restock.units", "3",
                "inventory.restock.ceiling", "40",
                "inventory.expiry.sweep.batch", "7",
                "inventory.reservation.finished.capacity", "5",
                "inventory.reservation.finished.max.bytes", "4096",
                "inventory.reservation.finished.max.age.ms", "60000")));

        assertThat(settings, is(new InventorySettings(Duration.ofSeconds(5), Duration.ofMillis(250), 7,
                                                      Duration.ofSeconds(2), 3, 40,
                                                      new Bounds(5, 4096, Duration.ofMinutes(1)))));
    }

    /**
     * {@code INVENTORY_RESERVATION_TTL_MS=7000} reaches Helidon config as {@code inventory.reservation.ttl.ms},
     * above application.yaml (the environment mapping itself is exercised by the system tests).
     */
    @Test
    void environmentVariablesOverrideTheYamlKeys() {
        InventorySettings settings = InventorySettings.from(Config.builder()
                .sources(ConfigSources.create(Map.of("inventory.reservation.ttl.ms", "7000",
                                                     "inventory.restock.interval.ms", "0")).build(),
                         ConfigSources.classpath("application.yaml").build())
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .build());

        assertThat(settings.reservationTtl(), is(Duration.ofSeconds(7)));
        assertThat(settings.restockInterval(), is(Duration.ZERO));
        assertThat(settings.restockEnabled(), is(false));
    }

    @Test
    void rejectsInvalidValues() {
        assertThat(assertThrows(IllegalArgumentException.class, () -> InventorySettings.from(
                config(Map.of("inventory.reservation.ttl.ms", "0")))).getMessage(), containsString("reservation.ttl.ms"));
        assertThat(assertThrows(IllegalArgumentException.class, () -> InventorySettings.from(
                config(Map.of("inventory.restock.units", "-1")))).getMessage(), containsString("restock.units"));
        assertThat(assertThrows(IllegalArgumentException.class, () -> InventorySettings.from(
                config(Map.of("inventory.expiry.sweep.interval.ms", "0")))).getMessage(), containsString("sweep"));
        assertThrows(RuntimeException.class, () -> InventorySettings.from(
                config(Map.of("inventory.restock.ceiling", "lots"))));
        assertThat(assertThrows(IllegalArgumentException.class, () -> InventorySettings.from(
                config(Map.of("inventory.expiry.sweep.batch", "0")))).getMessage(), containsString("sweep.batch"));
        assertThrows(IllegalArgumentException.class, () -> InventorySettings.from(
                config(Map.of("inventory.reservation.finished.max.bytes", "0"))));
    }

    private static Config config(Map<String, String> values) {
        return Config.just(ConfigSources.create(values));
    }
}
