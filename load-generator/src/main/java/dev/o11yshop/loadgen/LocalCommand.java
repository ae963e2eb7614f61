package dev.o11yshop.loadgen;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.concurrent.Callable;

import dev.o11yshop.loadgen.OtlpReceiver.ReceivedSpan;
import dev.o11yshop.observability.Telemetry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

/**
 * {@code local}: the whole platform on this machine with no Kubernetes. It builds nothing: it starts the three
 * services' jars as child JVMs on free ports with a built-in OTLP receiver, serves the generator's admin port
 * ({@link ControlServer}), starts the chart's alerting on a real Prometheus and Alertmanager when they are installed
 * ({@link LocalAlerting}), drives traffic for a while with live progress and a line per alert notification, and ends
 * with what a user would go and look for in Grafana: the run's summary, one checkout trace as a waterfall, each
 * service's RED figures from its own {@code /metrics}, that trace's log lines, and the alerts notified.
 */
@Command(name = "local",
         mixinStandardHelpOptions = true,
         description = "Runs the three services locally (and the chart's alerting on Prometheus and Alertmanager when "
                 + "installed), drives traffic, and shows a trace, RED figures, logs and alerts.")
final class LocalCommand implements Callable<Integer> {
    private static final DateTimeFormatter RUN_NAME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");
    private static final Duration WARM_UP = Duration.ofSeconds(6);
    private static final double WARM_UP_RATE = 20;

    @Spec
    CommandSpec spec;

    @Option(names = "--duration", defaultValue = "30s", converter = DurationConverter.class,
            description = "how long to drive traffic, e.g. 30s, 5m, 0 = until Ctrl-C (default: ${DEFAULT-VALUE})")
    Duration duration;

    @Option(names = "--rate", defaultValue = "20", description = "user actions per second (default: ${DEFAULT-VALUE})")
    double rate;

    @Option(names = "--mix", defaultValue = "browse=60,checkout=30,declined=5,invalid=5",
            description = "weights of the scenarios (default: ${DEFAULT-VALUE})")
    String mix;

    @Option(names = "--alerting", defaultValue = "auto", paramLabel = "auto|on|off",
            description = "the chart's alert rules and routes on a local Prometheus and Alertmanager (Debian packages "
                    + "prometheus, prometheus-alertmanager): auto = when both are installed, on = fail without them, "
                    + "off (default: ${DEFAULT-VALUE})")
    LocalAlerting.Mode alerting;

    @Option(names = "--alert-time-factor", defaultValue = "1", paramLabel = "N",
            description = "divides every alert `for`, the scrape and rule intervals and Alertmanager's waits by N: "
                    + "1 = the chart's timings, 24 = a 10m alert fires in 25 s (default: ${DEFAULT-VALUE})")
    long alertTimeFactor;

    @Option(names = "--env", paramLabel = "NAME=VALUE",
            description = "an environment variable for the three services, repeatable, e.g. "
                    + "INVENTORY_RESTOCK_INTERVAL_MS=0 (restocking off: the stock-exhaustion scenario)")
    Map<String, String> serviceEnv = new LinkedHashMap<>();

    @Mixin
    PlatformOptions platformOptions;

    /**
     * Set by local itself (ports and where they listen, where to export, how the services find each other, the run's
     * admin token): not for --env.
     */
    private static final Set<String> LOCAL_ENV = Set.of("PORT", "ADMIN_PORT", LocalPlatform.HOST_ENV, AdminToken.ENV,
                                                        "LOG_FORMAT", "OTEL_EXPORTER_OTLP_ENDPOINT", "INVENTORY_URL",
                                                        "PAYMENT_URL");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** Set by SIGINT/SIGTERM: before traffic starts it means "start none"; during traffic the run is stopped. */
    private volatile boolean stopRequested;
    private volatile LoadRun running;
    /** The alerting of this run, once started; the admin port's webhook forwards to it. */
    private volatile LocalAlerting localAlerting;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        TrafficOptions traffic = trafficOptions();
        if (alertTimeFactor < 1) {
            throw new ParameterException(spec.commandLine(), "--alert-time-factor must be a whole number of at least 1 "
                    + "(1 = the chart's timings), got " + alertTimeFactor);
        }
        checkServiceEnv();
        String bindAddress = platformOptions.bindAddress(spec);
        Path project = platformOptions.project(spec);
        boolean withAlerting = alertingWanted(out);
        Path runDir = platformOptions.runRoot.resolve(LocalDateTime.now().format(RUN_NAME));
        Files.createDirectories(runDir);
        stopOnInterrupt();

        out.printf("==> starting the platform (logs in %s)%n", runDir);
        out.flush();
        long started = System.nanoTime();
        // A new admin token per run (LocalPlatform makes it), in endpoints.json for `fault` and for people.
        try (LocalPlatform platform = LocalPlatform.start(project, runDir, serviceEnv, bindAddress)) {
            out.printf("    3 services ready in %.1f s%n", (System.nanoTime() - started) / 1e9);
            for (ServiceProcess service : platform.services()) {
                out.printf("    %-18s api %-24s admin %s  (pid %d)%n", service.name(), service.api(), service.admin(), service.pid());
            }
            Telemetry telemetry = PlatformOptions.generatorTelemetry(platform.receiver());
            TrafficOptions targeted = traffic.withTargets(platform.order().api(), platform.inventory().api());
            LoadRun run = new LoadRun(targeted, telemetry.tracer(), System.out);
            try (ControlServer control = ControlServer.start(run, bindAddress, 0, this::forwardAlert)) {
                URI generatorAdmin = control.uri();
                out.printf("    %-18s admin %s  (GET /metrics /status, PUT /rate /mix, POST /alerts)%n", "load-generator",
                           generatorAdmin);
                out.printf("    %-18s PUT/DELETE /faults need Authorization: Bearer <adminToken of %s>%n", "admin token",
                           runDir.resolve(Endpoints.FILE));
                Endpoints endpoints = Endpoints.of(platform).withAdmin("load-generator", generatorAdmin);
                if (withAlerting && !stopRequested) {
                    warmUp(out, targeted, telemetry);
                }
                if (withAlerting && !stopRequested) {
                    out.printf("==> starting Prometheus and Alertmanager (the chart's alerting)%n");
                    out.flush();
                    localAlerting = LocalAlerting.start(platform, generatorAdmin, runDir.resolve("alerting"), alertTimeFactor, out);
                    endpoints = endpoints.withAlerting(localAlerting.prometheus(), localAlerting.alertmanager());
                }
                // Closed first (try-with-resources closes in reverse): no TargetDown from services stopping under it.
                try (LocalAlerting alertingStack = localAlerting) {
                    endpoints.write(runDir);
                    return driveTraffic(out, platform, telemetry, run, alertingStack);
                }
            }
        } finally {
            out.printf("done; logs and endpoints.json in %s%n", runDir);
            out.flush();
        }
    }

    /** Runs the traffic, then prints the summary, a trace, RED figures and the alerts; the exit code. */
    private int driveTraffic(PrintWriter out, LocalPlatform platform, Telemetry telemetry, LoadRun run,
                             LocalAlerting alertingStack) throws IOException, InterruptedException {
        out.printf("    try: load-generator fault payment-service errorRate=0.5   (while this runs)%n");
        out.printf("%n==> driving traffic: %s%n", run.options().describe());
        out.flush();
        running = run;
        if (stopRequested) {
            run.stop();
        }
        if (alertingStack != null) {
            alertingStack.startPrinting();
        }
        RunSummary summary = run.run();
        if (alertingStack != null) {
            alertingStack.stopPrinting();
        }
        telemetry.flush(5_000);

        out.printf("%n==> summary%n%s", summary.table());
        showSampleTrace(out, platform, summary);
        out.printf("%n==> RED per service (from each /metrics)%n%s", RedFigures.header());
        for (ServiceProcess service : platform.services()) {
            out.print(RedFigures.parse(service.name(), service.adminGet("/metrics").body()).table());
        }
        if (alertingStack != null) {
            out.printf("%n==> alerts notified (Alertmanager's webhook, POST /alerts)%n%s", alertingStack.table());
        }
        out.printf("%n==> stopping %s%n", alertingStack != null ? "Prometheus, Alertmanager and the services" : "the services");
        out.flush();
        return summary.confirmedCheckouts() > 0 ? 0 : 1;
    }

    /**
     * Cold JVMs answer their first checkouts slowly (class loading, the JIT, first connections), slowly enough to page
     * CheckoutLatencyBudgetBurn in the first seconds of a fast-timed stack. Prometheus starts after this, so its first
     * samples already count these requests and no rate window sees them.
     */
    private void warmUp(PrintWriter out, TrafficOptions traffic, Telemetry telemetry) {
        out.printf("==> warming up the services (%s of browse and checkout at %.0f/s, before Prometheus starts)%n",
                   Durations.format(WARM_UP), WARM_UP_RATE);
        out.flush();
        TrafficOptions options = traffic.withRate(WARM_UP_RATE).withDuration(WARM_UP).withMix(Mix.parse("browse=50,checkout=50"));
        LoadRun warmUp = new LoadRun(options, telemetry.tracer(), line -> { });
        running = warmUp;
        if (stopRequested) {
            warmUp.stop();
        }
        RunSummary summary = warmUp.run();
        running = null;
        RunSummary.ScenarioStats checkouts = summary.scenario(Scenario.CHECKOUT);
        out.printf("    %d checkouts, p50 %.0f ms, max %.0f ms%n", checkouts.requests(), checkouts.p50Millis(),
                   checkouts.maxMillis());
    }

    /**
     * Whether to start Prometheus and Alertmanager: {@code auto} says in one line why not when they are missing;
     * {@code on} without them is a usage error.
     */
    private boolean alertingWanted(PrintWriter out) {
        if (alerting == LocalAlerting.Mode.off) {
            return false;
        }
        String missing = LocalAlerting.unavailableReason();
        if (missing == null) {
            return true;
        }
        if (alerting == LocalAlerting.Mode.on) {
            throw new ParameterException(spec.commandLine(), "--alerting on needs Prometheus and Alertmanager: " + missing);
        }
        out.printf("alerting off: %s%n", missing);
        return false;
    }

    private void forwardAlert(AlertNotification alert) {
        LocalAlerting current = localAlerting;
        if (current != null) {
            current.notified(alert);
        }
    }

    private void checkServiceEnv() {
        for (String name : serviceEnv.keySet()) {
            if (!ENV_NAME.matcher(name).matches()) {
                throw new ParameterException(spec.commandLine(), "--env " + name + "=…: not an environment variable name");
            }
            if (LOCAL_ENV.contains(name)) {
                throw new ParameterException(spec.commandLine(), "--env " + name + ": local sets " + name + " itself "
                        + "(one of " + new TreeSet<>(LOCAL_ENV) + ")");
            }
        }
    }

    private TrafficOptions trafficOptions() {
        try {
            return TrafficOptions.forLocal(rate, duration, Mix.parse(mix));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }


    private void stopOnInterrupt() {
        // Ctrl-C ends the traffic early (or, during start-up, means no traffic at all); the summary still prints and
        // every child (services, Prometheus, Alertmanager) is still stopped cleanly.
        Signal.handle(new Signal("INT"), signal -> requestStop());
        Signal.handle(new Signal("TERM"), signal -> requestStop());
    }

    private void requestStop() {
        stopRequested = true;
        LoadRun run = running;
        if (run != null) {
            run.stop();
        }
    }

    private static void showSampleTrace(PrintWriter out, LocalPlatform platform, RunSummary summary)
            throws IOException, InterruptedException {
        List<String> traceIds = summary.sampleCheckoutTraceIds();
        if (traceIds.isEmpty()) {
            out.printf("%n(no confirmed checkout to show)%n");
            return;
        }
        String traceId = traceIds.getLast();
        List<ReceivedSpan> trace = awaitCompleteTrace(platform.receiver(), traceId, Duration.ofSeconds(10));
        out.printf("%n==> one checkout trace%n%s", Waterfall.render(trace));
        out.printf("%n==> its log lines (by trace_id, across the three services)%n%s",
                   TraceLogs.render(TraceLogs.find(platform.services(), traceId)));
    }

    /** Waits until spans of all four processes are in, and the span count stops growing. */
    private static List<ReceivedSpan> awaitCompleteTrace(OtlpReceiver receiver, String traceId, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ReceivedSpan> trace = receiver.spans(span -> span.traceId().equals(traceId));
        int lastSize = -1;
        while (System.nanoTime() < deadline) {
            long services = trace.stream().map(ReceivedSpan::service).distinct().count();
            if (services >= 4 && trace.size() == lastSize) {
                break;
            }
            lastSize = trace.size();
            Thread.sleep(200);
            trace = receiver.spans(span -> span.traceId().equals(traceId));
        }
        return trace;
    }
}
