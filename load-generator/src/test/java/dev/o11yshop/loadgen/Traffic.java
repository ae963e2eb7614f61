package dev.o11yshop.loadgen;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

import io.helidon.tracing.Tracer;

/** Options and runs for tests: both services at the stub, no progress lines unless asked. */
final class Traffic {
    private Traffic() {
    }

    static TrafficOptions options(URI stub, double rate, Duration duration, Mix mix) {
        return TrafficOptions.defaults(stub)
                .withTargets(stub, stub)
                .withRate(rate)
                .withDuration(duration)
                .withMix(mix)
                .withProgressInterval(Duration.ZERO)
                .withRequestTimeout(Duration.ofSeconds(10));
    }

    static RunSummary run(TrafficOptions options) {
        return new LoadRun(options, Tracer.noOp(), (Consumer<String>) null).run();
    }

    static RunSummary run(TrafficOptions options, Executor actions) {
        return new LoadRun(options, Tracer.noOp(), null, actions).run();
    }

    /** Warms up the JIT, class loading and the HTTP stack, so the first second of a measured run is not a cold start. */
    static void warmUp(StubShop stub) {
        run(options(stub.uri(), 200, Duration.ofSeconds(1), Mix.defaults()));
        stub.reset();
    }
}
