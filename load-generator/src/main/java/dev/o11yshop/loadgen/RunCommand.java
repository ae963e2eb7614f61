package dev.o11yshop.loadgen;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

import dev.o11yshop.observability.Logging;
import dev.o11yshop.observability.ServiceInfo;
import dev.o11yshop.observability.Telemetry;
import io.helidon.config.Config;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code run}: open-model traffic against a running o11y-shop (a Kubernetes deployment, or services started by
 * hand). Progress lines go to stdout while it runs, then the summary table; {@code --report} also writes the summary
 * as JSON. Ctrl-C (SIGINT) or SIGTERM stops the traffic early and still prints the summary. With
 * {@code --admin-port} the generator serves its metrics and live control ({@link ControlServer}).
 * <p>
 * Exit codes: 0 after a run, 1 when every request failed (or the report cannot be written), 2 for a wrong command
 * line, reported as one line on stderr.
 */
@Command(name = "run",
         mixinStandardHelpOptions = true,
         description = {"Drives open-model traffic at a running o11y-shop: user actions arrive on a schedule at the "
                                + "target rate, however slowly the system answers.",
                        "Scenarios: browse (catalog reads), checkout (good card), declined (declining card), "
                                + "invalid (malformed order)."})
final class RunCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "--target", paramLabel = "URL", defaultValue = "http://localhost:8080",
            description = "order-service base URL (default: ${DEFAULT-VALUE})")
    String target;

    @Option(names = "--inventory", paramLabel = "URL",
            description = "inventory-service base URL (default: the target's scheme and host, port 8081)")
    String inventory;

    @Option(names = "--rate", paramLabel = "PER_SECOND", defaultValue = "20",
            description = "user actions per second, at most 100000 (default: ${DEFAULT-VALUE})")
    String rate;

    @Option(names = "--duration", paramLabel = "TIME", defaultValue = "60s",
            description = "how long, e.g. 30s, 5m, 1h; 0 = until Ctrl-C (default: ${DEFAULT-VALUE})")
    String duration;

    @Option(names = "--ramp", paramLabel = "TIME", defaultValue = "0s",
            description = "grow the rate linearly from 0 over this time (default: ${DEFAULT-VALUE})")
    String ramp;

    @Option(names = "--mix", paramLabel = "WEIGHTS", defaultValue = Mix.DEFAULT_SPEC,
            description = "scenario weights, scenarios left out get 0 (default: ${DEFAULT-VALUE})")
    String mix;

    @Option(names = "--max-concurrency", paramLabel = "N", defaultValue = "512",
            description = "most actions in flight; arrivals beyond it are dropped and reported (default: ${DEFAULT-VALUE})")
    String maxConcurrency;

    @Option(names = "--report", paramLabel = "FILE.json", description = "also write the summary as JSON to this file")
    String report;

    @Option(names = "--admin-port", paramLabel = "PORT", defaultValue = "-1",
            description = "serve /metrics, /status, PUT /rate and PUT /mix on this port; 0 = any free port, "
                    + "-1 = none (default: ${DEFAULT-VALUE})")
    String adminPort;

    @Option(names = "--progress-interval", paramLabel = "TIME", defaultValue = "5s",
            description = "time between progress lines; 0 = none (default: ${DEFAULT-VALUE})")
    String progressInterval;

    @Option(names = "--request-timeout", paramLabel = "TIME", defaultValue = "10s",
            description = "longest wait to connect and for each answer; no call of an action starts later than this "
                    + "after it was sent (default: ${DEFAULT-VALUE})")
    String requestTimeout;

    @Unmatched
    List<String> unmatched = new ArrayList<>();

    /** A wrong command line: one line on stderr, exit code 2. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        TrafficOptions options;
        int port;
        Path reportFile;
        try {
            options = options();
            port = adminPort();
            reportFile = reportFile();
        } catch (UsageException e) {
            err.println("load-generator: " + e.getMessage());
            err.flush();
            return Main.USAGE_ERROR;
        }

        Logging.init("load-generator");
        Telemetry telemetry = Telemetry.install(ServiceInfo.from("load-generator", RunCommand.class, Config.create()));
        LoadRun run = new LoadRun(options, telemetry.tracer(), line -> {
            out.println(line);
            out.flush();
        });
        out.println("load-generator run: " + options.describe());
        out.flush();
        ControlServer control = null;
        SignalHandlers signals = new SignalHandlers(run, err);
        try {
            if (port >= 0) {
                try {
                    // The in-cluster generator: Prometheus and Alertmanager reach this port from other pods.
                    control = ControlServer.start(run, LocalPlatform.EVERY_INTERFACE, port, alert -> { });
                } catch (RuntimeException e) {
                    err.println("load-generator: cannot serve the admin port " + port + ": " + rootMessage(e));
                    err.flush();
                    return 1;
                }
                out.printf("admin: http://localhost:%d  (GET /metrics /status /health, PUT /rate {\"rate\": 50}, "
                                   + "PUT /mix {\"checkout\": 1})%n", control.port());
                out.flush();
            }
            signals.install();
            RunSummary summary = run.run();
            out.println();
            out.print(summary.table());
            out.flush();
            telemetry.flush(5_000);
            if (reportFile != null) {
                try {
                    Files.writeString(reportFile, summary.toJson() + "\n", StandardCharsets.UTF_8);
                    out.println("report written to " + reportFile);
                    out.flush();
                } catch (IOException e) {
                    err.println("load-generator: cannot write the report to " + reportFile + ": " + e);
                    err.flush();
                    return 1;
                }
            }
            if (summary.everyRequestFailed()) {
                err.println("load-generator: every request failed (" + summary.total().requests() + " of them); is "
                                    + options.orderUrl() + " up?");
                err.flush();
                return 1;
            }
            return 0;
        } finally {
            signals.restore();
            if (control != null) {
                control.close();
            }
        }
    }

    /** The options, checked; every problem is one sentence naming the option. */
    TrafficOptions options() throws UsageException {
        if (!unmatched.isEmpty()) {
            throw new UsageException("unknown argument '" + unmatched.getFirst() + "' for run (see run --help)");
        }
        URI order = url("--target", target);
        URI inventoryUrl = inventory == null ? TrafficOptions.inventoryFor(order) : url("--inventory", inventory);
        double parsedRate = rate(rate);
        Duration parsedDuration = duration("--duration", duration, "like 30s, 5m or 1h (0 = until stopped)", true);
        Duration parsedRamp = duration("--ramp", ramp, "like 10s or 1m (0 = none)", true);
        Mix parsedMix;
        try {
            parsedMix = Mix.parse(mix);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--" + e.getMessage());
        }
        int concurrency = wholeNumber("--max-concurrency", maxConcurrency, 1, Integer.MAX_VALUE,
                                      "must be a whole number of at least 1");
        Duration progress = duration("--progress-interval", progressInterval, "like 5s (0 = no progress lines)", true);
        Duration timeout = duration("--request-timeout", requestTimeout, "like 10s, more than 0", false);
        try {
            return new TrafficOptions(order, inventoryUrl, parsedRate, parsedDuration, parsedRamp, parsedMix, concurrency,
                                      progress, timeout);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private int adminPort() throws UsageException {
        return wholeNumber("--admin-port", adminPort, -1, 65_535,
                           "must be -1 (none), 0 (any free port) or a port number up to 65535");
    }

    private Path reportFile() throws UsageException {
        if (report == null) {
            return null;
        }
        try {
            Path file = Path.of(report).toAbsolutePath();
            if (Files.isDirectory(file)) {
                throw new UsageException("--report must be a file, got the directory '" + report + "'");
            }
            if (file.getParent() != null && !Files.isDirectory(file.getParent())) {
                throw new UsageException("--report must be in an existing directory, got '" + report + "'");
            }
            return file;
        } catch (InvalidPathException e) {
            throw new UsageException("--report must be a file name, got '" + report + "'");
        }
    }

    private static URI url(String option, String value) throws UsageException {
        String problem = option + " must be an absolute http(s) URL like http://localhost:8080, got '" + value + "'";
        URI url;
        try {
            url = new URI(value.trim());
        } catch (URISyntaxException e) {
            throw new UsageException(problem);
        }
        try {
            TrafficOptions.checkUrl(option, url);
        } catch (IllegalArgumentException e) {
            throw new UsageException(problem);
        }
        return url;
    }

    private static double rate(String value) throws UsageException {
        String problem = "--rate " + TrafficOptions.RATE_RANGE + ", got '" + value + "'";
        double parsed;
        try {
            parsed = Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(problem);
        }
        if (!TrafficOptions.validRate(parsed)) {
            throw new UsageException(problem);
        }
        return parsed;
    }

    private static Duration duration(String option, String value, String like, boolean zeroAllowed) throws UsageException {
        String problem = option + " must be a duration " + like + ", got '" + value + "'";
        Duration parsed;
        try {
            parsed = Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new UsageException(problem);
        }
        if (parsed.isZero() && !zeroAllowed) {
            throw new UsageException(problem);
        }
        return parsed;
    }

    private static int wholeNumber(String option, String value, int min, int max, String rule) throws UsageException {
        String problem = option + " " + rule + ", got '" + value + "'";
        int parsed;
        try {
            parsed = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(problem);
        }
        if (parsed < min || parsed > max) {
            throw new UsageException(problem);
        }
        return parsed;
    }

    private static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    /**
     * SIGINT (Ctrl-C) and SIGTERM stop the run, so the summary still prints and the exit code is the run's; a second
     * signal quits at once. The previous handlers come back when the run is over.
     */
    private static final class SignalHandlers {
        private static final List<String> SIGNALS = List.of("INT", "TERM");
        private final LoadRun run;
        private final PrintWriter err;
        private final AtomicInteger received = new AtomicInteger();
        private final List<Runnable> restore = new ArrayList<>();

        SignalHandlers(LoadRun run, PrintWriter err) {
            this.run = run;
            this.err = err;
        }

        void install() {
            for (String name : SIGNALS) {
                Signal signal = new Signal(name);
                try {
                    SignalHandler previous = Signal.handle(signal, this::onSignal);
                    restore.add(() -> Signal.handle(signal, previous));
                } catch (IllegalArgumentException e) {
                    // The JVM keeps this signal (e.g. with -Xrs): the default behaviour stays, without a summary.
                    LOG.atWarn().addKeyValue("signal", name).addKeyValue("error_message", e.getMessage())
                            .log("signal_handler_unavailable");
                }
            }
        }

        private void onSignal(Signal signal) {
            if (received.incrementAndGet() == 1) {
                err.println("load-generator: SIG" + signal.getName().toUpperCase(Locale.ROOT)
                                    + " received, stopping (again to quit at once)");
                err.flush();
                run.stop();
            } else {
                Runtime.getRuntime().halt(128 + signal.getNumber());
            }
        }

        void restore() {
            restore.forEach(Runnable::run);
        }
    }
}
