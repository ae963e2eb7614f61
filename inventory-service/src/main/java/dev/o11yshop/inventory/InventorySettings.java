package dev.o11yshop.inventory;

import java.time.Duration;
import java.util.Objects;

import dev.o11yshop.observability.BoundedStore.Bounds;
import dev.o11yshop.observability.ShippedDefaults;
import io.helidon.config.Config;

/**
 * The inventory-service settings of {@code application.yaml}, each overridable by an environment variable. Their
 * defaults are written once, in that file: a key missing from the given config is read from it.
 *
 * @param reservationTtl  how long an uncommitted reservation holds its stock ({@code inventory.reservation.ttl.ms},
 *                        {@code INVENTORY_RESERVATION_TTL_MS})
 * @param sweepInterval   how often overdue reservations are expired ({@code inventory.expiry.sweep.interval.ms},
 *                        {@code INVENTORY_EXPIRY_SWEEP_INTERVAL_MS})
 * @param sweepBatch      at most this many reservations are expired per hold of the inventory's lock, so that a
 *                        backlog never stalls reservations ({@code inventory.expiry.sweep.batch})
 * @param restockInterval how often stock is replenished; zero turns replenishment off, e.g. to demonstrate running
 *                        out of stock ({@code inventory.restock.interval.ms}, {@code INVENTORY_RESTOCK_INTERVAL_MS})
 * @param restockUnits    units added per warehouse line and run ({@code inventory.restock.units},
 *                        {@code INVENTORY_RESTOCK_UNITS})
 * @param restockCeiling  a line is never replenished beyond this many available units
 *                        ({@code inventory.restock.ceiling}, {@code INVENTORY_RESTOCK_CEILING})
 * @param finished        how many finished reservations are remembered for idempotent commit and release, in how
 *                        many (estimated) bytes, for how long ({@code inventory.reservation.finished.capacity},
 *                        {@code .max.bytes}, {@code .max.age.ms})
 */
record InventorySettings(Duration reservationTtl, Duration sweepInterval, int sweepBatch, Duration restockInterval,
                         int restockUnits, int restockCeiling, Bounds finished) {
    InventorySettings {
        Objects.requireNonNull(reservationTtl, "reservationTtl");
        Objects.requireNonNull(sweepInterval, "sweepInterval");
        Objects.requireNonNull(restockInterval, "restockInterval");
        Objects.requireNonNull(finished, "finished");
        if (!reservationTtl.isPositive()) {
            throw new IllegalArgumentException("inventory.reservation.ttl.ms must be positive, got " + reservationTtl);
        }
        if (!sweepInterval.isPositive()) {
            throw new IllegalArgumentException("inventory.expiry.sweep.interval.ms must be positive, got " + sweepInterval);
        }
        if (sweepBatch < 1) {
            throw new IllegalArgumentException("inventory.expiry.sweep.batch must be positive, got " + sweepBatch);
        }
        if (restockInterval.isNegative()) {
            throw new IllegalArgumentException("inventory.restock.interval.ms must not be negative, got " + restockInterval);
        }
        if (restockUnits < 0) {
            throw new IllegalArgumentException("inventory.restock.units must not be negative, got " + restockUnits);
        }
        if (restockCeiling < 0) {
            throw new IllegalArgumentException("inventory.restock.ceiling must not be negative, got " + restockCeiling);
        }
    }

    /** Reads the settings; invalid values fail the start-up rather than being replaced by defaults. */
    static InventorySettings from(Config given) {
        ShippedDefaults config = ShippedDefaults.of(given, InventorySettings.class);
        return new InventorySettings(
                Duration.ofMillis(longValue(config, "inventory.reservation.ttl.ms")),
                Duration.ofMillis(longValue(config, "inventory.expiry.sweep.interval.ms")),
                Math.toIntExact(longValue(config, "inventory.expiry.sweep.batch")),
                Duration.ofMillis(longValue(config, "inventory.restock.interval.ms")),
                Math.toIntExact(longValue(config, "inventory.restock.units")),
                Math.toIntExact(longValue(config, "inventory.restock.ceiling")),
                Bounds.from(config, "inventory.reservation.finished"));
    }

    boolean restockEnabled() {
        return restockInterval.isPositive() && restockUnits > 0;
    }

    /**
     * The value of {@code key}, e.g. {@code inventory.reservation.ttl.ms}: Helidon maps the environment variable
     * {@code INVENTORY_RESERVATION_TTL_MS} onto it (every underscore becomes a dot).
     */
    private static long longValue(ShippedDefaults config, String key) {
        return config.get(key).asLong().get();
    }
}
