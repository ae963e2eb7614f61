package dev.o11yshop.systemtests;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.o11yshop.loadgen.LocalPlatform;
import dev.o11yshop.systemtests.OpenLoad.Checkout;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A fresh start, as after {@code run-local.sh} or a rollout: the three services report ready only once they are
 * warm, so checkouts at the default rate right after readiness meet warm JVMs and open connections, and not one of
 * them fails. (Before warm-up, cold JVMs answered about a third of the first 10 s of checkouts with 503/504.)
 */
class ColdStartIT {
    /** {@code local}'s default rate, all of it checkouts: the strictest mix. */
    private static final double DEFAULT_RATE = 20;

    @Test
    void noServerErrorInTheFirstTenSecondsAfterReady() throws Exception {
        try (LocalPlatform platform = Platform.start("cold-start", Map.of());
             OpenLoad load = new OpenLoad(platform.order().api(), platform.inventory().api())) {
            List<Checkout> first = load.run("cold start", DEFAULT_RATE, Duration.ofSeconds(10));
            List<Checkout> failed = first.stream().filter(checkout -> checkout.status() != 201).toList();
            assertEquals(List.of(), failed, "checkouts that did not succeed in the first 10 s after ready");
        }
    }
}
