package dev.o11yshop.observability;

import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

import io.helidon.config.Config;

/**
 * Who this process is, as every telemetry signal names it: {@code service.name},
 * {@code service.version}, {@code deployment.environment} and {@code service.instance.id}.
 */
public record ServiceInfo(String name, String version, String environment, String instanceId) {
    public ServiceInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(instanceId, "instanceId");
    }

    /**
     * Reads the identity from config (environment variables included), falling back to the module name,
     * the jar's {@code Implementation-Version} and {@code deployment.environment=local}.
     *
     * @param moduleName default service name, the Maven module name
     * @param anchor     a class of the service, whose jar manifest carries the version
     * @param config     service configuration
     */
    public static ServiceInfo from(String moduleName, Class<?> anchor, Config config) {
        String name = config.get("otel.service.name").asString().orElse(moduleName);
        String version = Objects.requireNonNullElse(anchor.getPackage().getImplementationVersion(), "dev");
        String environment = resourceAttribute(config.get("otel.resource.attributes").asString().orElse(""),
                                               "deployment.environment").orElse("local");
        return new ServiceInfo(name, version, environment, UUID.randomUUID().toString());
    }

    private static Optional<String> resourceAttribute(String attributes, String key) {
        for (String pair : attributes.split(",")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).trim().equals(key)) {
                return Optional.of(pair.substring(eq + 1).trim());
            }
        }
        return Optional.empty();
    }
}
