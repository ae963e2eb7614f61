package dev.o11yshop.observability;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Validation of fault-injection settings and their start-up defaults. */
class FaultsTest {
    @Test
    void noneIsValidAndInactive() {
        assertEquals(List.of(), Faults.NONE.validate());
        assertEquals(new Faults(0, 0, 0, false), Faults.NONE);
    }

    @ParameterizedTest
    @CsvSource({"0, 0, 0, false", "1, 0, 0, false", "0.3, 300, 100, false", "0, 60000, 60000, true", "0.0001, 1, 0, false"})
    void acceptsSettingsInRange(double errorRate, long latencyMs, long jitterMs, boolean unavailable) {
        assertEquals(List.of(), new Faults(errorRate, latencyMs, jitterMs, unavailable).validate());
    }

    @ParameterizedTest
    @CsvSource({"-0.01, 0, 0, errorRate", "1.01, 0, 0, errorRate", "2, 0, 0, errorRate", "NaN, 0, 0, errorRate",
            "Infinity, 0, 0, errorRate", "0, -1, 0, latencyMs", "0, 60001, 0, latencyMs", "0, 0, -1, latencyJitterMs",
            "0, 0, 60001, latencyJitterMs"})
    void namesTheFieldOutOfRange(double errorRate, long latencyMs, long jitterMs, String field) {
        List<Problem.FieldError> errors = new Faults(errorRate, latencyMs, jitterMs, false).validate();

        assertEquals(1, errors.size(), errors.toString());
        assertEquals(field, errors.getFirst().field());
    }

    @Test
    void namesEveryFieldOutOfRange() {
        List<Problem.FieldError> errors = new Faults(2, -1, -1, false).validate();

        assertEquals(List.of("errorRate", "latencyMs", "latencyJitterMs"),
                     errors.stream().map(Problem.FieldError::field).toList());
    }

    @Test
    void readsStartUpDefaultsFromConfig() {
        Faults faults = Faults.from(config(Map.of("fault.error.rate", "0.25", "fault.latency.ms", "300",
                                                  "fault.latency.jitter.ms", "50", "fault.unavailable", "true")));

        assertEquals(new Faults(0.25, 300, 50, true), faults);
    }

    @Test
    void defaultsToNoFault() {
        assertEquals(Faults.NONE, Faults.from(Config.empty()));
    }

    @Test
    void refusesToStartWithInvalidDefaults() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                                                      () -> Faults.from(config(Map.of("fault.error.rate", "1.5"))));

        assertThat(error.getMessage(), containsString("errorRate"));
    }

    @Test
    void refusesInvalidSettingsAtRuntime() {
        FaultInjection injection = TestObservability.OBSERVABILITY.faults();
        Faults before = injection.current();

        assertThrows(IllegalArgumentException.class, () -> injection.set(new Faults(-1, 0, 0, false)));

        assertEquals(before, injection.current());
    }

    @Test
    void reportsActiveLatency() {
        assertTrue(new Faults(0, 1, 0, false).latencyActive());
        assertTrue(new Faults(0, 0, 1, false).latencyActive());
        assertEquals(false, Faults.NONE.latencyActive());
    }

    private static Config config(Map<String, String> values) {
        return Config.just(ConfigSources.create(values));
    }
}
