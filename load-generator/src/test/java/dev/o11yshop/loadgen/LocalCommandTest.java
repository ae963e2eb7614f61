package dev.o11yshop.loadgen;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.LocalTime;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code local}'s alerting, service-env and bind-address options (bad values: one line, exit 2) and its line per
 * change of an alert.
 */
class LocalCommandTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--alert-time-factor|0|--alert-time-factor must be a whole number of at least 1 (1 = the chart's timings), got 0",
            "--alert-time-factor|-24|--alert-time-factor must be a whole number of at least 1 (1 = the chart's timings), got -24",
            "--alert-time-factor|fast|'fast' is not a long",
            "--alerting|maybe|expected one of [auto, on, off] (case-sensitive) but was 'maybe'",
            "--env|PORT=8080|--env PORT: local sets PORT itself",
            "--env|OTEL_EXPORTER_OTLP_ENDPOINT=http://x:4318|--env OTEL_EXPORTER_OTLP_ENDPOINT: local sets",
            "--env|1X=2|--env 1X=…: not an environment variable name",
            "--env|ADMIN_TOKEN=guessable|--env ADMIN_TOKEN: local sets ADMIN_TOKEN itself",
            "--env|HOST=0.0.0.0|--env HOST: local sets HOST itself",
            "--bind-address|192.168.1.5|--bind-address must be 127.0.0.1 (this machine only) or 0.0.0.0 (every interface), got '192.168.1.5'",
            "--bind-address|localhost|--bind-address must be 127.0.0.1 (this machine only) or 0.0.0.0 (every interface), got 'localhost'",
            "--env|RESTOCK|should be in KEY=VALUE format but was RESTOCK"})
    void aBadOptionIsOneLineAndExitCode2(String option, String value, String message) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = Main.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));

        int code = commandLine.execute("local", option, value, "--duration", "1s");

        assertEquals(Main.USAGE_ERROR, code, err.toString());
        assertEquals(1, err.toString().lines().count(), err.toString());
        assertThat(err.toString(), containsString("load-generator: "));
        assertThat(err.toString(), containsString(message));
        assertEquals("", out.toString(), "nothing started");
    }

    @Test
    void aNotificationIsOneLineWithWhereItPointsAndItsSummary() {
        AlertNotification firing = new AlertNotification(Instant.EPOCH, "firing", "ticket",
                Map.of("alertname", "DependencyCircuitOpen", "severity", "warning", "job", "order-service",
                       "peer", "payment-service", "namespace", "o11y-shop"),
                Map.of("summary", "order-service's circuit breaker to payment-service is open", "runbook_url", "x"), "f1");
        AlertNotification resolved = new AlertNotification(Instant.EPOCH, "resolved", "page",
                Map.of("alertname", "CheckoutAvailabilityBudgetBurn"), Map.of(), "f2");

        assertEquals("alert 14:02:31 FIRING   DependencyCircuitOpen (warning) job=order-service peer=payment-service "
                             + "— order-service's circuit breaker to payment-service is open",
                     LocalAlerting.line(firing, LocalTime.of(14, 2, 31)));
        assertEquals("alert 09:00:00 RESOLVED CheckoutAvailabilityBudgetBurn",
                     LocalAlerting.line(resolved, LocalTime.of(9, 0)));
    }

    @Test
    void anAlertIsPrintedAndCountedOncePerChangeOfState() {
        LocalAlerting.AlertChanges changes = new LocalAlerting.AlertChanges();
        Map<String, String> fault = Map.of("alertname", "FaultInjectionActive", "severity", "warning", "job", "payment-service");
        Map<String, String> errors = Map.of("alertname", "ServiceHighErrorRatio", "severity", "warning", "job", "payment-service");

        assertTrue(changes.record(notification("firing", fault, "a")), "first notification");
        // The group is notified again when another of its alerts fires: the first one comes along, unchanged.
        assertFalse(changes.record(notification("firing", fault, "a")), "repeated with its group");
        assertTrue(changes.record(notification("firing", errors, "b")));
        assertTrue(changes.record(notification("resolved", fault, "a")), "resolved");
        assertFalse(changes.record(notification("resolved", fault, "a")), "resolved, repeated with its group");
        assertTrue(changes.record(notification("firing", fault, "a")), "fired again");

        Map<String, long[]> counts = changes.counts();
        assertArrayEquals(new long[] {2, 1}, counts.get("FaultInjectionActive (warning)"));
        assertArrayEquals(new long[] {1, 0}, counts.get("ServiceHighErrorRatio (warning)"));
        assertEquals(2, counts.size(), counts.keySet().toString());
    }

    private static AlertNotification notification(String status, Map<String, String> labels, String fingerprint) {
        return new AlertNotification(Instant.EPOCH, status, "ticket", labels, Map.of(), fingerprint);
    }
}
