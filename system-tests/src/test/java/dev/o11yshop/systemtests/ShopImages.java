package dev.o11yshop.systemtests;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.github.dockerjava.api.exception.NotFoundException;
import dev.o11yshop.observability.RequiredInCi;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The images this build made ({@code o11y-shop/<module>:<version>}, built by the {@code images} profile), started
 * as Testcontainers containers wired as in Kubernetes: one network, the services' names as network aliases, the
 * API on 8080 and the admin socket on 9090, spans to an OTLP receiver in the test JVM through
 * {@code host.docker.internal}.
 */
final class ShopImages {
    static final String ORDER = "order-service";
    static final String INVENTORY = "inventory-service";
    static final String PAYMENT = "payment-service";
    static final String LOAD_GENERATOR = "load-generator";
    static final int API_PORT = 8080;
    static final int ADMIN_PORT = 9090;
    /** The Docker host as containers see it (Docker's {@code host-gateway}, so it works on Linux engines too). */
    static final String HOST = "host.docker.internal";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);

    private ShopImages() {
    }

    static DockerImageName image(String module) {
        return DockerImageName.parse(System.getProperty("o11yshop.images.prefix", "o11y-shop") + "/" + module + ":"
                                     + System.getProperty("o11yshop.images.tag", "0.1.0-SNAPSHOT"));
    }

    /**
     * Returns when Docker runs and holds this build's images of {@code modules}. Otherwise the calling tests are
     * skipped with the reason on a developer machine, and fail in CI ({@code CI=true}), where a skip would hide
     * that the images were never tested.
     */
    static void requireImages(String... modules) {
        String missing = whyNotAvailable(modules);
        RequiredInCi.require(missing == null ? null : "the container tests cannot run: " + missing);
    }

    /** Whether Docker runs and holds this build's images of {@code modules}. */
    static boolean available(String... modules) {
        return whyNotAvailable(modules) == null;
    }

    private static String whyNotAvailable(String... modules) {
        if (!Boolean.getBoolean("o11yshop.images.built")) {
            return "this build made no images (the images profile is on by itself when /var/run/docker.sock exists;"
                   + " -Pimages forces it)";
        }
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            return "no Docker engine is reachable (start Docker, or point DOCKER_HOST at one)";
        }
        List<String> absent = new ArrayList<>();
        for (String module : modules) {
            try {
                DockerClientFactory.lazyClient().inspectImageCmd(image(module).asCanonicalNameString()).exec();
            } catch (NotFoundException e) {
                absent.add(image(module).asCanonicalNameString());
            }
        }
        return absent.isEmpty() ? null : "the local Docker engine lacks " + absent
                                          + " (built with -Djib.goal=build or buildTar? the tests need dockerBuild)";
    }

    /**
     * A service container on {@code network} under its Kubernetes name, ready when its admin health says so,
     * exporting spans to the receiver at {@code otlpPort} on the Docker host.
     */
    static GenericContainer<?> service(String module, Network network, int otlpPort, Map<String, String> env) {
        return new GenericContainer<>(image(module))
                .withNetwork(network)
                .withNetworkAliases(module)
                .withExposedPorts(API_PORT, ADMIN_PORT)
                .withExtraHost(HOST, "host-gateway")
                .withEnv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://" + HOST + ":" + otlpPort)
                .withEnv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=container-test")
                .withEnv(env)
                .waitingFor(Wait.forHttp("/health/ready").forPort(ADMIN_PORT).forStatusCode(200)
                                    .withStartupTimeout(STARTUP_TIMEOUT));
    }
}
