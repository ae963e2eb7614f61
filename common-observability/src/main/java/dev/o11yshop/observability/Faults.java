package dev.o11yshop.observability;

import java.util.ArrayList;
import java.util.List;

import io.helidon.config.Config;

/**
 * The fault-injection settings of a service (contract, section 6). All off is the normal state.
 *
 * @param errorRate       share of API requests answered with an injected 500, 0 to 1
 * @param latencyMs       delay added before each API request is handled
 * @param latencyJitterMs up to this much more delay, uniformly random
 * @param unavailable     answer every API request with 503, as a service that is down
 */
public record Faults(double errorRate, long latencyMs, long latencyJitterMs, boolean unavailable) {
    /** No fault. */
    public static final Faults NONE = new Faults(0, 0, 0, false);

    static final long MAX_LATENCY_MS = 60_000;

    /** Start-up defaults from {@code FAULT_ERROR_RATE}, {@code FAULT_LATENCY_MS}, ... ({@code fault.*} keys). */
    public static Faults from(Config config) {
        Config fault = config.get("fault");
        Faults faults = new Faults(fault.get("error.rate").asDouble().orElse(0.0),
                                   fault.get("latency.ms").asLong().orElse(0L),
                                   fault.get("latency.jitter.ms").asLong().orElse(0L),
                                   fault.get("unavailable").asBoolean().orElse(false));
        List<Problem.FieldError> errors = faults.validate();
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("invalid FAULT_* settings: " + errors);
        }
        return faults;
    }

    /** What is wrong with these settings; empty when they are valid. */
    public List<Problem.FieldError> validate() {
        List<Problem.FieldError> errors = new ArrayList<>();
        if (!(errorRate >= 0 && errorRate <= 1)) {
            errors.add(new Problem.FieldError("errorRate", "must be between 0 and 1"));
        }
        if (latencyMs < 0 || latencyMs > MAX_LATENCY_MS) {
            errors.add(new Problem.FieldError("latencyMs", "must be between 0 and " + MAX_LATENCY_MS));
        }
        if (latencyJitterMs < 0 || latencyJitterMs > MAX_LATENCY_MS) {
            errors.add(new Problem.FieldError("latencyJitterMs", "must be between 0 and " + MAX_LATENCY_MS));
        }
        return errors;
    }

    boolean latencyActive() {
        return latencyMs > 0 || latencyJitterMs > 0;
    }
}
