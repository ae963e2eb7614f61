package dev.o11yshop.loadgen;

import java.nio.file.Path;
import java.util.UUID;

import dev.o11yshop.observability.ServiceInfo;
import dev.o11yshop.observability.Telemetry;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** Options of the commands that start the platform themselves ({@code local}, {@code bench}). */
final class PlatformOptions {
    @Option(names = "--run-root", defaultValue = "run",
            description = "each run's logs and endpoints.json go to a new directory here (default: ${DEFAULT-VALUE})")
    Path runRoot;

    @Option(names = "--root", description = "the o11y-shop checkout with built jars (default: found from this jar or the working directory)")
    Path root;

    @Option(names = "--bind-address", defaultValue = LocalPlatform.LOOPBACK, paramLabel = "ADDR",
            description = "where the services (API and admin ports), the OTLP receiver and the generator's admin port listen: "
                    + LocalPlatform.LOOPBACK + " = this machine only, " + LocalPlatform.EVERY_INTERFACE
                    + " = every interface, for containers or other machines (default: ${DEFAULT-VALUE})")
    String bindAddress;

    /** {@code --bind-address}, checked: a usage error unless it is loopback or every interface. */
    String bindAddress(CommandSpec spec) {
        if (!bindAddress.equals(LocalPlatform.LOOPBACK) && !bindAddress.equals(LocalPlatform.EVERY_INTERFACE)) {
            throw new ParameterException(spec.commandLine(), "--bind-address must be " + LocalPlatform.LOOPBACK
                    + " (this machine only) or " + LocalPlatform.EVERY_INTERFACE + " (every interface), got '"
                    + bindAddress + "'");
        }
        return bindAddress;
    }

    /** The checkout whose service jars to start; a usage error when there is none. */
    Path project(CommandSpec spec) {
        Path project = root != null ? root : ProjectRoot.find().orElseThrow(() -> new ParameterException(
                spec.commandLine(), "no built o11y-shop found (need <module>/target/<module>.jar): "
                        + "run `./mvnw package -DskipTests` or pass --root"));
        if (!ProjectRoot.holdsServiceJars(project)) {
            throw new ParameterException(spec.commandLine(), project + " has no built service jars: run `./mvnw package -DskipTests` there");
        }
        return project;
    }

    /** The generator's own telemetry, exporting its root spans to the same receiver as the services. */
    static Telemetry generatorTelemetry(OtlpReceiver receiver) {
        System.setProperty("otel.exporter.otlp.endpoint", receiver.endpoint());
        System.setProperty("otel.bsp.schedule.delay", "100");
        return Telemetry.install(new ServiceInfo("load-generator", Main.version(), "local", UUID.randomUUID().toString()));
    }
}
