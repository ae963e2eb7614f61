package dev.o11yshop.observability;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;

import io.helidon.http.Status;
import io.helidon.metrics.api.Metrics;
import io.helidon.webserver.http.ServerRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fault injection for demos: the current {@link Faults}, applied to matched API routes just before their
 * handler (inside the observability filter, with the route known, so injected failures are traced, counted
 * per route and logged like real ones), and shown in {@code fault_injection_active{fault}}. Changed at runtime
 * through {@link FaultsService} on the admin port.
 */
public final class FaultInjection {
    private static final Logger LOG = LoggerFactory.getLogger(FaultInjection.class);

    private volatile Faults faults;

    public FaultInjection(Faults initial) {
        this.faults = initial;
        registerGauge("error_rate", () -> faults.errorRate() > 0);
        registerGauge("latency", () -> faults.latencyActive());
        registerGauge("unavailable", () -> faults.unavailable());
        if (!Faults.NONE.equals(initial)) {
            logChange(initial);
        }
    }

    public Faults current() {
        return faults;
    }

    /** Replaces the settings; they must be valid. */
    public void set(Faults newFaults) {
        if (!newFaults.validate().isEmpty()) {
            throw new IllegalArgumentException("invalid faults " + newFaults.validate());
        }
        faults = newFaults;
        logChange(newFaults);
    }

    /** Applies the current faults to the request about to be handled: delay it, fail it, or let it through. */
    void apply(ServerRequest request) {
        Faults active = faults;
        if (active.unavailable()) {
            throw injected(Status.SERVICE_UNAVAILABLE_503, "injected-unavailable", "service is marked unavailable");
        }
        if (active.latencyActive()) {
            long jitter = active.latencyJitterMs() > 0 ? ThreadLocalRandom.current().nextLong(active.latencyJitterMs() + 1) : 0;
            try {
                // A real delay is the fault being demonstrated; request threads are virtual, so this costs no carrier.
                Thread.sleep(active.latencyMs() + jitter);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw injected(Status.SERVICE_UNAVAILABLE_503, "injected-unavailable", "interrupted during injected latency");
            }
        }
        if (active.errorRate() > 0 && ThreadLocalRandom.current().nextDouble() < active.errorRate()) {
            throw injected(Status.INTERNAL_SERVER_ERROR_500, "injected-error", "fault injection (errorRate "
                    + active.errorRate() + ")");
        }
    }

    private static ProblemException injected(Status status, String slug, String detail) {
        return new ProblemException(status, slug, "Injected fault", detail, List.of());
    }

    private void registerGauge(String fault, BooleanSupplier active) {
        MeterFamily.replaceGauge("fault_injection_active", "1 while the named fault is injected into this service's API",
                                 () -> active.getAsBoolean() ? 1 : 0, Metrics.tags("fault", fault));
    }

    private static void logChange(Faults faults) {
        LOG.atWarn()
                .addKeyValue("error_rate", faults.errorRate())
                .addKeyValue("latency_ms", faults.latencyMs())
                .addKeyValue("latency_jitter_ms", faults.latencyJitterMs())
                .addKeyValue("unavailable", faults.unavailable())
                .log("faults_changed");
    }
}
