package dev.o11yshop.loadgen;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
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
 * services' jars as child JVMs on free ports with a built-in OTLP receiver, drives traffic for a while with live
 * progress, and ends with what a user would go and look for in Grafana: the run's summary, one checkout trace as
 * a waterfall, each service's RED figures from its own {@code /metrics}, and that trace's log lines.
 */
@Command(name = "local",
         mixinStandardHelpOptions = true,
         description = "Runs the three services locally, drives traffic, and shows a trace, RED figures and logs.")
final class LocalCommand implements Callable<Integer> {
    private static final DateTimeFormatter RUN_NAME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

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

    @Mixin
    PlatformOptions platformOptions;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path project = platformOptions.project(spec);
        TrafficOptions traffic = trafficOptions();
        Path runDir = platformOptions.runRoot.resolve(LocalDateTime.now().format(RUN_NAME));
        Files.createDirectories(runDir);

        out.printf("==> starting the platform (logs in %s)%n", runDir);
        out.flush();
        long started = System.nanoTime();
        try (LocalPlatform platform = LocalPlatform.start(project, runDir, Map.of())) {
            Endpoints.of(platform).write(runDir);
            out.printf("    3 services ready in %.1f s%n", (System.nanoTime() - started) / 1e9);
            for (ServiceProcess service : platform.services()) {
                out.printf("    %-18s api %-24s admin %s  (pid %d)%n", service.name(), service.api(), service.admin(), service.pid());
            }
            out.printf("    try: load-generator fault payment-service errorRate=0.3   (while this runs)%n");

            Telemetry telemetry = PlatformOptions.generatorTelemetry(platform.receiver());
            TrafficOptions targeted = traffic.withTargets(platform.order().api(), platform.inventory().api());
            LoadRun run = new LoadRun(targeted, telemetry.tracer(), System.out);
            stopOnInterrupt(run);
            out.printf("%n==> driving traffic: %s%n", targeted.describe());
            out.flush();
            RunSummary summary = run.run();
            telemetry.flush(5_000);

            out.printf("%n==> summary%n%s", summary.table());
            showSampleTrace(out, platform, summary);
            out.printf("%n==> RED per service (from each /metrics)%n%s", RedFigures.header());
            for (ServiceProcess service : platform.services()) {
                out.print(RedFigures.parse(service.name(), service.adminGet("/metrics").body()).table());
            }
            out.printf("%n==> stopping the services%n");
            out.flush();
            return summary.confirmedCheckouts() > 0 ? 0 : 1;
        } finally {
            out.printf("done; logs and endpoints.json in %s%n", runDir);
            out.flush();
        }
    }

    private TrafficOptions trafficOptions() {
        try {
            return TrafficOptions.forLocal(rate, duration, Mix.parse(mix));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }


    private static void stopOnInterrupt(LoadRun run) {
        // Ctrl-C ends the traffic early; the summary still prints and the services are still stopped cleanly.
        Signal.handle(new Signal("INT"), signal -> run.stop());
        Signal.handle(new Signal("TERM"), signal -> run.stop());
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
