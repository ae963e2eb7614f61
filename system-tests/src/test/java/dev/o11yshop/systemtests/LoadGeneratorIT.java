package dev.o11yshop.systemtests;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.o11yshop.loadgen.ListeningSockets;
import dev.o11yshop.loadgen.LocalPlatform;
import dev.o11yshop.loadgen.Main;
import dev.o11yshop.loadgen.ServiceProcess;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The load generator's {@code local} and {@code fault} commands against the real services. */
class LoadGeneratorIT {
    private static final Pattern PID = Pattern.compile("\\(pid (\\d+)\\)");
    private static final Pattern TRACE_LINE = Pattern.compile("^trace ([0-9a-f]{32}) ", Pattern.MULTILINE);
    private final ShopClient client = new ShopClient();

    /**
     * {@code local} as a user runs it (the jar, as a process): the children start and stop, the summary counts
     * checkouts, the waterfall holds one trace with spans of all three services, and its log lines are found.
     */
    @Test
    void localRunsThePlatformAndShowsTraceRedAndLogs() throws Exception {
        Path root = Path.of(System.getProperty("o11yshop.root", ".."));
        Path runRoot = Path.of(System.getProperty("o11yshop.runDir", "target/platform-runs")).resolve("local-command");
        String java = ProcessHandle.current().info().command().orElse("java");
        Process local = new ProcessBuilder(java, "-jar", root.resolve("load-generator/target/load-generator.jar").toString(),
                                           "local", "--duration", "6s", "--rate", "15", "--run-root", runRoot.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(local.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(local.waitFor(120, TimeUnit.SECONDS), "local ended");
        Files.createDirectories(runRoot);
        Files.writeString(runRoot.resolve("local-output.txt"), output);
        assertEquals(0, local.exitValue(), output);

        List<Long> children = new ArrayList<>();
        Matcher pid = PID.matcher(output);
        while (pid.find()) {
            children.add(Long.parseLong(pid.group(1)));
        }
        assertThat("three children started: " + output, children, hasSize(3));
        for (long child : children) {
            assertFalse(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false), "child " + child + " stopped");
        }

        Matcher checkouts = Pattern.compile("(?m)^\\s*checkout\\s+(\\d+)").matcher(output);
        assertTrue(checkouts.find(), "summary has a checkout row: " + output);
        assertThat(Long.parseLong(checkouts.group(1)), greaterThan(0L));

        Matcher trace = TRACE_LINE.matcher(output);
        assertTrue(trace.find(), "a waterfall is shown: " + output);
        String waterfall = output.substring(trace.start(), output.indexOf("==> its log lines", trace.start()));
        for (String service : List.of("load-generator", "order-service", "inventory-service", "payment-service")) {
            assertThat(waterfall, containsString(service));
        }
        for (String span : List.of("checkout", "POST /api/orders", "reserve_stock", "authorize_payment")) {
            assertThat(waterfall, containsString(span));
        }
        String logs = output.substring(output.indexOf("==> its log lines"), output.indexOf("==> RED per service"));
        for (String event : List.of("order_completed", "stock_reserved", "payment_authorized", "request_completed")) {
            assertThat(logs, containsString(event));
        }
        assertThat(output.substring(output.indexOf("==> RED per service")), containsString("/api/orders"));

        Matcher runDir = Pattern.compile("(?m)^done; logs and endpoints.json in (.+)$").matcher(output);
        assertTrue(runDir.find(), output);
        JsonNode endpoints = new ObjectMapper().readTree(Path.of(runDir.group(1).strip()).resolve("endpoints.json").toFile());
        assertEquals(43, endpoints.path("adminToken").asText().length(), "a per-run admin token: " + endpoints);
    }

    /**
     * {@code fault} changes a service's behaviour and its {@code fault_injection_active} gauge, and clears it, with
     * the platform's admin token; without it the service refuses (401) and {@code fault} says so in one line.
     */
    @Test
    void faultCommandTogglesFaultInjection() throws Exception {
        try (LocalPlatform platform = Platform.start("fault-command", Map.of())) {
            String admin = platform.payment().admin().toString();
            String token = platform.adminToken();
            Result anonymous = run("fault", "payment", "errorRate=1.0", "--admin-url", admin);
            assertEquals(1, anonymous.exitCode(), "no token, no faults: " + anonymous.out());
            assertThat(anonymous.err(), containsString("payment-service needs its admin token for /faults (401)"));

            Result set = run("fault", "payment", "errorRate=1.0", "--admin-url", admin, "--admin-token", token);
            assertEquals(0, set.exitCode(), set.err());
            assertThat(set.out(), containsString("fault_injection_active{fault=\"error_rate\",scope=\"application\",} 1.0"));
            ShopClient.Response failing = pay(platform, "o-fault");
            assertEquals(500, failing.status(), failing.body());

            Result clear = run("fault", "payment-service", "clear", "--admin-url", admin, "--admin-token", token);
            assertEquals(0, clear.exitCode(), clear.err());
            assertThat(clear.out(), containsString("fault_injection_active{fault=\"error_rate\",scope=\"application\",} 0.0"));
            ShopClient.Response healthy = pay(platform, "o-fault-2");
            assertEquals(201, healthy.status(), healthy.body());

            Result wrong = run("fault", "payment", "errorRate=lots", "--admin-url", admin);
            assertEquals(Main.USAGE_ERROR, wrong.exitCode());
            assertEquals(1, wrong.err().lines().count(), wrong.err());
            Result refused = run("fault", "payment", "errorRate=2", "--admin-url", admin, "--admin-token", token);
            assertEquals(1, refused.exitCode(), "the service's 400 is reported: " + refused.out());
            assertThat(refused.err(), containsString("errorRate"));
        }
    }

    /** A platform started as {@code local} starts it listens on loopback only: API and admin sockets of every service. */
    @Test
    void thePlatformListensOnLoopbackOnly() throws Exception {
        try (LocalPlatform platform = Platform.start("loopback", Map.of())) {
            for (ServiceProcess service : platform.services()) {
                for (URI socket : List.of(service.api(), service.admin())) {
                    assertTrue(ListeningSockets.loopbackOnly(socket.getPort()),
                               service.name() + " " + socket + " listens on " + ListeningSockets.on(socket.getPort()));
                }
            }
            assertTrue(ListeningSockets.loopbackOnly(platform.receiver().port()), "the OTLP receiver");
        }
    }

    private ShopClient.Response pay(LocalPlatform platform, String orderId) throws Exception {
        return client.post(platform.payment().api().resolve("/api/payments"), """
                {"orderId": "%s", "amount": {"amount": "10.00", "currency": "USD"}, "method": "card",
                 "cardNumber": "4111111111111111"}""".formatted(orderId), Map.of());
    }

    private record Result(int exitCode, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = Main.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int code = commandLine.execute(args);
        return new Result(code, out.toString(), err.toString());
    }
}
