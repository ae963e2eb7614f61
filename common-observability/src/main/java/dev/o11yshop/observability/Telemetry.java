package dev.o11yshop.observability;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Metrics;
import io.helidon.tracing.Tracer;
import io.helidon.tracing.providers.opentelemetry.HelidonOpenTelemetry;
import io.helidon.tracing.providers.opentelemetry.OpenTelemetryTracerProvider;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.resources.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OpenTelemetry for a service, set up once per process before the server starts.
 * <p>
 * The SDK is built by the autoconfigure module, so every standard {@code OTEL_*} variable works (endpoint,
 * sampler, resource attributes, {@code OTEL_TRACES_EXPORTER=none}, batch processor sizing); this class only
 * supplies defaults (contract, section 2) and adds the resource attributes every signal must carry. The
 * result is registered as the global {@link OpenTelemetry} and wrapped in Helidon's tracing provider, so code
 * uses {@link Tracer#global()}. Both globals exist once per JVM, hence the guard: tests that start several
 * servers in one JVM share one setup.
 */
public final class Telemetry {
    private static final Logger LOG = LoggerFactory.getLogger(Telemetry.class);
    private static final AtomicReference<Telemetry> INSTALLED = new AtomicReference<>();

    /**
     * Defaults below any {@code OTEL_*} environment variable or {@code otel.*} system property. The batch
     * processor is sized for 1,000 checkouts/s: about 9 spans per checkout in order-service, so 9,000 spans/s,
     * exported every 200 ms in batches of up to 2,048 with room for about 2 s of backlog (a bounded amount of memory) before anything is dropped.
     */
    static final Map<String, String> DEFAULTS = Map.ofEntries(
            Map.entry("otel.traces.exporter", "otlp"),
            Map.entry("otel.metrics.exporter", "none"),
            Map.entry("otel.logs.exporter", "none"),
            Map.entry("otel.exporter.otlp.protocol", "http/protobuf"),
            Map.entry("otel.exporter.otlp.endpoint", "http://localhost:4318"),
            Map.entry("otel.exporter.otlp.timeout", "5000"),
            Map.entry("otel.traces.sampler", "parentbased_traceidratio"),
            Map.entry("otel.traces.sampler.arg", "1.0"),
            Map.entry("otel.propagators", "tracecontext,baggage"),
            Map.entry("otel.resource.attributes", "deployment.environment=local"),
            Map.entry("otel.bsp.schedule.delay", "200"),
            Map.entry("otel.bsp.max.queue.size", "16384"),
            Map.entry("otel.bsp.max.export.batch.size", "2048"),
            Map.entry("otel.bsp.export.timeout", "10000"));

    private final ServiceInfo service;
    private final OpenTelemetrySdk sdk;
    private final Tracer tracer;

    private Telemetry(ServiceInfo service, OpenTelemetrySdk sdk, Tracer tracer) {
        this.service = service;
        this.sdk = sdk;
        this.tracer = tracer;
    }

    /**
     * Sets up tracing for {@code service} and registers it globally, or returns the setup already made in
     * this JVM.
     */
    public static Telemetry install(ServiceInfo service) {
        return INSTALLED.updateAndGet(existing -> existing != null ? existing : create(service));
    }

    private static Telemetry create(ServiceInfo service) {
        SpanPipelineMetrics pipeline = new SpanPipelineMetrics();
        AtomicReference<ConfigProperties> effective = new AtomicReference<>();
        AutoConfiguredOpenTelemetrySdk configured = AutoConfiguredOpenTelemetrySdk.builder()
                .addPropertiesSupplier(() -> withServiceName(service))
                .addPropertiesCustomizer(config -> {
                    effective.set(config);
                    return Map.of();
                })
                .addResourceCustomizer((resource, config) -> resource.merge(identity(service, resource)))
                .addSpanExporterCustomizer((exporter, config) -> pipeline.wrap(exporter))
                .addMeterProviderCustomizer((builder, config) -> builder.registerMetricReader(pipeline))
                .setResultAsGlobal()
                .build();
        OpenTelemetrySdk sdk = configured.getOpenTelemetrySdk();

        Tracer tracer = HelidonOpenTelemetry.create(sdk, sdk.getTracer(service.name(), service.version()),
                                                    Map.of());
        // Tracer.global(tracer) throws after registering in Helidon 4.1.2 (missing return); register directly.
        OpenTelemetryTracerProvider.globalTracer(tracer);

        pipeline.registerMeters(Metrics.globalRegistry());
        Metrics.globalRegistry().getOrCreate(
                Gauge.builder("app_info", () -> 1)
                        .description("Build and deployment of this service; always 1")
                        .tags(Metrics.tags("version", service.version(), "environment", service.environment())));

        LOG.atInfo()
                .addKeyValue("service_version", service.version())
                .addKeyValue("environment", service.environment())
                .addKeyValue("traces_endpoint", effective.get().getString("otel.exporter.otlp.endpoint"))
                .addKeyValue("traces_exporter", effective.get().getString("otel.traces.exporter"))
                .log("telemetry_configured");
        return new Telemetry(service, sdk, tracer);
    }

    private static Map<String, String> withServiceName(ServiceInfo service) {
        Map<String, String> properties = new HashMap<>(DEFAULTS);
        properties.put("otel.service.name", service.name());
        return properties;
    }

    /** Attributes every signal carries, without overriding what OTEL_RESOURCE_ATTRIBUTES already set. */
    private static Resource identity(ServiceInfo service, Resource configured) {
        var attributes = Attributes.builder()
                .put(AttributeKey.stringKey("service.version"), service.version())
                .put(AttributeKey.stringKey("service.instance.id"), service.instanceId());
        AttributeKey<String> environment = AttributeKey.stringKey("deployment.environment");
        if (configured.getAttribute(environment) == null) {
            attributes.put(environment, service.environment());
        }
        return Resource.create(attributes.build());
    }

    public ServiceInfo service() {
        return service;
    }

    /** Helidon's tracer, backed by the OpenTelemetry SDK. */
    public Tracer tracer() {
        return tracer;
    }

    public OpenTelemetry openTelemetry() {
        return sdk;
    }

    /** Exports what is still queued, within {@code timeoutMillis}; called on shutdown. */
    public void flush(long timeoutMillis) {
        sdk.getSdkTracerProvider().forceFlush().join(timeoutMillis, TimeUnit.MILLISECONDS);
    }
}
