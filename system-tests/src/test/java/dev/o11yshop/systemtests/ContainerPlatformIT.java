package dev.o11yshop.systemtests;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.command.InspectContainerResponse;
import dev.o11yshop.loadgen.OtlpReceiver;
import dev.o11yshop.loadgen.OtlpReceiver.ReceivedSpan;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.output.OutputFrame.OutputType;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;
import org.testcontainers.lifecycle.Startables;

import static dev.o11yshop.observability.Eventually.eventually;
import static dev.o11yshop.systemtests.ShopImages.ADMIN_PORT;
import static dev.o11yshop.systemtests.ShopImages.API_PORT;
import static dev.o11yshop.systemtests.ShopImages.INVENTORY;
import static dev.o11yshop.systemtests.ShopImages.LOAD_GENERATOR;
import static dev.o11yshop.systemtests.ShopImages.ORDER;
import static dev.o11yshop.systemtests.ShopImages.PAYMENT;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The platform as its images run it: the three service images on one Docker network under their Kubernetes names,
 * spans to an OTLP receiver in this JVM, and the load-generator image driving them. Proves what a cluster relies
 * on: readiness through the admin socket, one trace across three containers, JSON logs with the trace id on
 * stdout, a non-root process, and a clean SIGTERM.
 */
class ContainerPlatformIT {
    private static final Duration SPAN_WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NON_ROOT_UID = "65532";
    private static final String[] IMAGES = {ORDER, INVENTORY, PAYMENT, LOAD_GENERATOR};

    private static OtlpReceiver receiver;
    private static Network network;
    private static final Map<String, GenericContainer<?>> SERVICES = new LinkedHashMap<>();
    private final ShopClient client = new ShopClient();

    @BeforeAll
    static void startPlatform() {
        if (!ShopImages.available(IMAGES)) {
            // Each test then reports why it is skipped (or fails, in CI): see requireImages.
            return;
        }
        receiver = new OtlpReceiver("0.0.0.0");
        network = Network.newNetwork();
        SERVICES.put(INVENTORY, ShopImages.service(INVENTORY, network, receiver.port(), Map.of()));
        SERVICES.put(PAYMENT, ShopImages.service(PAYMENT, network, receiver.port(), Map.of()));
        SERVICES.put(ORDER, orderService());
        long start = System.nanoTime();
        // order-service does not wait for its downstreams to start: like in Kubernetes, all three start at once.
        Startables.deepStart(SERVICES.values()).join();
        System.out.printf("three service containers ready in %d ms%n", (System.nanoTime() - start) / 1_000_000);
    }

    @BeforeEach
    void requireImages() {
        ShopImages.requireImages(IMAGES);
    }

    @AfterAll
    static void stopPlatform() {
        SERVICES.values().forEach(GenericContainer::stop);
        if (network != null) {
            network.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    @Test
    void everyContainerIsReadyAndLiveThroughItsAdminSocket() throws Exception {
        for (var service : SERVICES.entrySet()) {
            for (String probe : List.of("/health/ready", "/health/live")) {
                ShopClient.Response response = client.get(admin(service.getValue(), probe));
                assertEquals(200, response.status(), service.getKey() + probe + ": " + response.body());
            }
        }
    }

    @Test
    void aCheckoutIsOneTraceAcrossTheThreeContainersAndItsLogLinesCarryIt() throws Exception {
        String traceId = HexFormat.of().formatHex(randomBytes(16));
        String callerSpanId = HexFormat.of().formatHex(randomBytes(8));
        String traceparent = "00-" + traceId + "-" + callerSpanId + "-01";
        ShopClient.Response response = client.post(api(SERVICES.get(ORDER), "/api/orders"),
                                                   ShopClient.orderBody("cust-containers", "SKU-0002", 1, ShopClient.GOOD_CARD),
                                                   Map.of("traceparent", traceparent));
        assertEquals(201, response.status(), response.body());
        assertEquals("CONFIRMED", response.json().path("status").asText());

        List<ReceivedSpan> trace = awaitTrace(traceId, callerSpanId, Set.of(ORDER, INVENTORY, PAYMENT));
        for (ReceivedSpan span : trace) {
            assertEquals("container-test", span.resource().get("deployment.environment"),
                         "the container's OTEL_RESOURCE_ATTRIBUTES reach " + span.service());
        }
        assertThat(trace.stream().map(ReceivedSpan::name).toList(), hasItem("process_order"));

        for (var service : SERVICES.entrySet()) {
            List<JsonNode> lines = awaitLogLines(service.getValue(), traceId);
            assertThat(service.getKey() + " logs lines with the trace id", lines, is(not(empty())));
            assertThat(lines.stream().map(line -> line.path("message").asText()).toList(), hasItem("request_completed"));
            assertThat(lines.stream().map(line -> line.path("span_id").asText()).toList(),
                       everyItem(is(not(""))));
            assertFalse(service.getValue().getLogs().contains(ShopClient.GOOD_CARD), service.getKey() + " logged the card number");
        }
    }

    @Test
    void eachServiceRunsAsTheNonRootUserAsPidOne() throws Exception {
        for (var service : SERVICES.entrySet()) {
            ExecResult status = service.getValue().execInContainer("cat", "/proc/1/status");
            assertEquals(0, status.getExitCode(), status.getStderr());
            Matcher uid = Pattern.compile("(?m)^Uid:\\s+(\\d+)\\s+(\\d+)").matcher(status.getStdout());
            assertTrue(uid.find(), status.getStdout());
            assertEquals(NON_ROOT_UID, uid.group(1), service.getKey() + " real uid");
            assertEquals(NON_ROOT_UID, uid.group(2), service.getKey() + " effective uid");
            // The JVM itself is PID 1 (Jib's exec entrypoint, no shell): it gets the kubelet's SIGTERM.
            ExecResult command = service.getValue().execInContainer("cat", "/proc/1/comm");
            assertEquals("java", command.getStdout().trim(), service.getKey() + " PID 1");
        }
    }

    /**
     * SIGTERM while checkouts are in flight (each held 400 ms by injected latency). The clients stop sending when the
     * signal goes out, as a load balancer does once readiness fails: every request sent before it is answered 201
     * (none is cut, none is a 5xx), the server reports no unfinished request, and the process exits 0.
     */
    @Test
    void sigtermDuringTrafficAnswersInFlightRequestsAndExitsZero() throws Exception {
        try (GenericContainer<?> draining = orderService().withNetworkAliases("order-draining")) {
            draining.start();
            // A cold JVM on two cores can miss the checkout budget (504) under a sudden burst: warm it first.
            for (int i = 0; i < 20; i++) {
                ShopClient.Response warmUp = client.post(api(draining, "/api/orders"),
                                                         ShopClient.orderBody("cust-warm-up", "SKU-0001", 1, ShopClient.GOOD_CARD),
                                                         Map.of());
                assertEquals(201, warmUp.status(), warmUp.body());
            }
            ShopClient.Response fault = client.send("PUT", admin(draining, "/faults"), "{\"latencyMs\": 400}", Map.of());
            assertEquals(200, fault.status(), fault.body());

            ConcurrentLinkedQueue<Outcome> results = new ConcurrentLinkedQueue<>();
            AtomicBoolean sending = new AtomicBoolean(true);
            URI orders = api(draining, "/api/orders");
            ExecutorService clients = Executors.newFixedThreadPool(6);
            List<Future<?>> loops = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String customer = "cust-drain-" + i;
                loops.add(clients.submit(() -> checkoutWhile(sending, orders, customer, results)));
            }
            eventually(Duration.ofSeconds(30), () -> assertThat(results.size(), greaterThan(12)));

            sending.set(false);
            long signalledAt = System.nanoTime();
            DockerClientFactory.instance().client().killContainerCmd(draining.getContainerId()).withSignal("SIGTERM").exec();
            for (Future<?> loop : loops) {
                loop.get(30, TimeUnit.SECONDS);
            }
            clients.shutdown();
            InspectContainerResponse.ContainerState state = awaitExit(draining.getContainerId(), Duration.ofSeconds(30));

            List<Outcome> outcomes = List.copyOf(results);
            String logs = draining.getLogs(OutputType.STDOUT);
            assertThat("answers other than 201 (0: no answer)", outcomes.stream().filter(o -> o.status() != 201).toList(),
                       is(empty()));
            assertThat("requests in flight when SIGTERM came, of " + describe(outcomes, signalledAt),
                       outcomes.stream().filter(o -> o.endNanos() > signalledAt).count(), greaterThan(0L));
            assertEquals(0L, state.getExitCodeLong(), "exit code after SIGTERM; logs:\n" + logs);
            JsonNode stopped = logLines(logs).stream()
                    .filter(line -> line.path("message").asText().equals("server_stopped"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no server_stopped line in:\n" + logs));
            assertEquals(0, stopped.path("unfinished_requests").asInt(-1), stopped.toString());
        }
    }

    @Test
    void theLoadGeneratorImageDrivesCheckoutsThroughTheOrderContainer() throws Exception {
        try (GenericContainer<?> generator = new GenericContainer<>(ShopImages.image(LOAD_GENERATOR))
                .withNetwork(network)
                .withExtraHost(ShopImages.HOST, "host-gateway")
                .withEnv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://" + ShopImages.HOST + ":" + receiver.port())
                .withCommand("run", "--target", "http://" + ORDER + ":" + API_PORT,
                             "--inventory", "http://" + INVENTORY + ":" + API_PORT,
                             "--rate", "20", "--duration", "4s", "--progress-interval", "1s")
                // Started means: ran to the end and exited 0 (the generator exits 1 when every request failed).
                .withStartupCheckStrategy(new OneShotStartupCheckStrategy().withTimeout(Duration.ofSeconds(90)))) {
            generator.start();

            String output = generator.getLogs(OutputType.STDOUT);
            Matcher checkouts = Pattern.compile("(?m)^\\s*checkout\\s+(\\d+)").matcher(output);
            assertTrue(checkouts.find(), "a checkout row in the summary:\n" + output);
            assertThat(Long.parseLong(checkouts.group(1)), greaterThan(0L));

            // The generator's root spans continue into the services: its traces reach order-service.
            eventually(SPAN_WAIT, () -> {
                Set<String> generatorTraces = receiver.spans(span -> span.service().equals(LOAD_GENERATOR)
                                                                     && span.name().equals("checkout"))
                        .stream().map(ReceivedSpan::traceId).collect(Collectors.toSet());
                assertThat(generatorTraces, is(not(empty())));
                assertTrue(receiver.spans(span -> span.service().equals(ORDER)).stream()
                                   .anyMatch(span -> generatorTraces.contains(span.traceId())),
                           "an order-service span in a load-generator trace");
            });
        }
    }

    /** One checkout as a client saw it: the status (0 when no answer came), and the body or error when not 201. */
    private record Outcome(long sentNanos, long endNanos, int status, String failure) {
    }

    private static void checkoutWhile(AtomicBoolean sending, URI orders, String customer, ConcurrentLinkedQueue<Outcome> results) {
        ShopClient own = new ShopClient();
        String body = ShopClient.orderBody(customer, "SKU-0001", 1, ShopClient.GOOD_CARD);
        while (sending.get()) {
            long sent = System.nanoTime();
            try {
                ShopClient.Response response = own.post(orders, body, Map.of());
                results.add(new Outcome(sent, System.nanoTime(), response.status(),
                                        response.status() == 201 ? null : response.body()));
            } catch (IOException noAnswer) {
                // A request the server dropped: recorded with status 0, and the test fails on it.
                results.add(new Outcome(sent, System.nanoTime(), 0, noAnswer.toString()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Each outcome as {@code status@sent..end} in ms relative to the signal, for failure messages. */
    private static String describe(List<Outcome> outcomes, long signalledAt) {
        return outcomes.stream()
                .map(o -> "%d@%d..%d".formatted(o.status(), (o.sentNanos() - signalledAt) / 1_000_000,
                                                 (o.endNanos() - signalledAt) / 1_000_000))
                .collect(Collectors.joining(" ", outcomes.size() + " [", "]"));
    }

    private static InspectContainerResponse.ContainerState awaitExit(String containerId, Duration timeout) throws Exception {
        InspectContainerResponse.ContainerState[] last = new InspectContainerResponse.ContainerState[1];
        eventually(timeout, () -> {
            last[0] = DockerClientFactory.instance().client().inspectContainerCmd(containerId).exec().getState();
            assertNotEquals(Boolean.TRUE, last[0].getRunning(), "still running after SIGTERM");
        });
        return last[0];
    }

    private static GenericContainer<?> orderService() {
        return ShopImages.service(ORDER, network, receiver.port(),
                                  Map.of("INVENTORY_URL", "http://" + INVENTORY + ":" + API_PORT,
                                         "PAYMENT_URL", "http://" + PAYMENT + ":" + API_PORT));
    }

    private static List<ReceivedSpan> awaitTrace(String traceId, String callerSpanId, Set<String> services) throws Exception {
        List<List<ReceivedSpan>> trace = new ArrayList<>(List.of(List.of()));
        eventually(SPAN_WAIT, () -> {
            trace.set(0, receiver.spans(span -> span.traceId().equals(traceId)));
            Set<String> seen = trace.get(0).stream().map(ReceivedSpan::service).collect(Collectors.toSet());
            assertTrue(seen.containsAll(services), "trace " + traceId + " has spans from " + seen + ", wants " + services
                                                   + OtlpReceiver.describe(trace.get(0)));
            // The entry span ends last, so with it the whole trace is in.
            assertTrue(trace.get(0).stream().anyMatch(span -> span.service().equals(ORDER) && span.parentSpanId().equals(callerSpanId)),
                       "order-service's entry span, child of " + callerSpanId + OtlpReceiver.describe(trace.get(0)));
        });
        return trace.get(0);
    }

    /** The JSON lines on the container's stdout that carry {@code traceId}; log lines are written after the answer. */
    private static List<JsonNode> awaitLogLines(GenericContainer<?> container, String traceId) throws Exception {
        List<List<JsonNode>> lines = new ArrayList<>(List.of(List.of()));
        eventually(Duration.ofSeconds(10), () -> {
            List<JsonNode> matching = logLines(container.getLogs(OutputType.STDOUT)).stream()
                    .filter(line -> traceId.equals(line.path("trace_id").asText()))
                    .toList();
            assertThat(matching.stream().map(line -> line.path("message").asText()).toList(), hasItem("request_completed"));
            lines.set(0, matching);
        });
        return lines.get(0);
    }

    /** Every non-blank stdout line, each of which must be JSON. */
    private static List<JsonNode> logLines(String stdout) {
        return stdout.lines().filter(line -> !line.isBlank()).map(ContainerPlatformIT::parse).toList();
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new AssertionError("a stdout line that is not JSON: " + line, e);
        }
    }

    private static URI api(GenericContainer<?> container, String path) {
        return URI.create("http://" + container.getHost() + ":" + container.getMappedPort(API_PORT) + path);
    }

    private static URI admin(GenericContainer<?> container, String path) {
        return URI.create("http://" + container.getHost() + ":" + container.getMappedPort(ADMIN_PORT) + path);
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        ThreadLocalRandom.current().nextBytes(bytes);
        bytes[0] |= 1;
        return bytes;
    }

}
