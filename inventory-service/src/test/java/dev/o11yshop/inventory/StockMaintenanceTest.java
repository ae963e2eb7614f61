package dev.o11yshop.inventory;

import dev.o11yshop.observability.Eventually;
import static dev.o11yshop.observability.Eventually.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.o11yshop.observability.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StockMaintenanceTest {
    private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");
    private static final String SKU = "SKU-9001";

    private final ManualClock clock = new ManualClock(START);
    private final Inventory inventory = new Inventory(
            new Catalog(List.of(new Catalog.Entry(new Product(SKU, "Test product", dev.o11yshop.observability.Money.of(
                    "1.00", "USD")), Map.of("eu-west-1", 10, "us-east-1", 10)))),
            clock, Duration.ofSeconds(30), TestBounds.FINISHED);
    private final CapturedLogs logs = CapturedLogs.of(StockMaintenance.class);
    private ScheduledExecutorService executor;

    @AfterEach
    void cleanUp() throws InterruptedException {
        logs.close();
        if (executor != null) {
            executor.shutdownNow();
            assertThat(executor.awaitTermination(5, TimeUnit.SECONDS), is(true));
        }
    }

    @Test
    void aFailingRunIsLoggedAndTheScheduleGoesOn() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        Runnable job = StockMaintenance.guarded("flaky", () -> {
            if (runs.incrementAndGet() == 1) {
                throw new IllegalStateException("first run fails");
            }
        });
        executor = Executors.newSingleThreadScheduledExecutor();

        executor.scheduleWithFixedDelay(job, 0, 5, TimeUnit.MILLISECONDS);

        eventually(() -> assertThat(runs.get(), greaterThanOrEqualTo(3)));
        List<Map<String, Object>> failures = logs.withMessage("background_job_failed");
        assertThat(failures, hasSize(1));
        assertThat(failures.getFirst().get("job"), is("flaky"));
        assertThat(failures.getFirst().get("error_type"), is(IllegalStateException.class.getName()));
        assertThat(failures.getFirst().get("error_message"), is("first run fails"));
    }

    @Test
    void anErrorIsLoggedAndRethrown() {
        Runnable job = StockMaintenance.guarded("doomed", () -> {
            throw new AssertionError("cannot go on");
        });

        AssertionError thrown = assertThrows(AssertionError.class, job::run);

        assertThat(thrown.getMessage(), is("cannot go on"));
        assertThat(logs.withMessage("background_job_crashed").getFirst().get("job"), is("doomed"));
    }

    @Test
    void aSweepThatExpiresNothingLogsNothing() {
        StockMaintenance maintenance = new StockMaintenance(inventory, settings(Duration.ZERO));

        assertThat(maintenance.expireOverdue(), is(0));
        assertThat(logs.withMessage("reservations_expired"), hasSize(0));
    }

    @Test
    void aSweepLogsHowManyItExpired() {
        StockMaintenance maintenance = new StockMaintenance(inventory, settings(Duration.ZERO));
        inventory.reserve("o-1", List.of(new ItemRequest(SKU, 2)));
        inventory.reserve("o-2", List.of(new ItemRequest(SKU, 3)));
        clock.advance(Duration.ofSeconds(30));

        assertThat(maintenance.expireOverdue(), is(2));

        Map<String, Object> logged = logs.withMessage("reservations_expired").getFirst();
        assertThat(logged.get("count"), is(2));
        assertThat(logged.get("units"), is(5));
        assertThat(inventory.level(SKU).available(), is(20));
    }

    @Test
    void aRestockLogsTheUnitsItAddedAndNothingWhenFull() {
        StockMaintenance maintenance = new StockMaintenance(inventory, settings(Duration.ofHours(1)));
        inventory.commit(inventory.reserve("o-1", List.of(new ItemRequest(SKU, 15))).reservationId());

        // 10 units a run up to 12: eu-west-1 went 10 -> 0 (fullest first, a tie goes to catalog order), us-east-1
        // 10 -> 5. First run: 0 -> 10 and 5 -> 12; second: 10 -> 12; then both are full.
        assertThat(maintenance.restock(), is(10 + 7));
        assertThat(maintenance.restock(), is(2));
        assertThat(maintenance.restock(), is(0));

        assertThat(logs.withMessage("stock_restocked").stream().map(fields -> fields.get("units")).toList(),
                   is(List.of(17, 2)));
    }

    @Test
    void startAndStopAreIdempotent() {
        StockMaintenance maintenance = new StockMaintenance(inventory, settings(Duration.ofHours(1)));

        maintenance.beforeStart();
        maintenance.beforeStart();
        assertThat(maintenance.isRunning(), is(true));
        maintenance.afterStop();
        maintenance.afterStop();

        assertThat(maintenance.isRunning(), is(false));
        assertThat(logs.withMessage("stock_maintenance_started"), hasSize(1));
        assertThat(logs.withMessage("stock_maintenance_stopped"), hasSize(1));
    }

    @Test
    void theScheduledJobsRunWhileStarted() throws Exception {
        StockMaintenance maintenance = new StockMaintenance(
                inventory, new InventorySettings(Duration.ofSeconds(30), Duration.ofMillis(10), 2, Duration.ofMillis(10),
                                                 1, 100, TestBounds.FINISHED));
        inventory.reserve("o-1", List.of(new ItemRequest(SKU, 2)));
        clock.advance(Duration.ofSeconds(30));
        try {
            maintenance.beforeStart();

            eventually(() -> assertThat(logs.withMessage("reservations_expired"), hasSize(1)));
            eventually(() -> assertThat(logs.withMessage("stock_restocked").size(), greaterThanOrEqualTo(2)));
        } finally {
            maintenance.afterStop();
        }
        int restocked = inventory.level(SKU).restocked();
        assertThat(maintenance.restock(), is(2));
        assertThat("no scheduled run after stop", inventory.level(SKU).restocked(), is(restocked + 2));
    }

    private static InventorySettings settings(Duration restockInterval) {
        return new InventorySettings(Duration.ofSeconds(30), Duration.ofHours(1), 2, restockInterval, 10, 12,
                                     TestBounds.FINISHED);
    }
}
