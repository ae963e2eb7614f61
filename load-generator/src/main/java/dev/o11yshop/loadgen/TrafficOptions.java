package dev.o11yshop.loadgen;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * What a {@link LoadRun} does.
 *
 * @param orderUrl         base URL of order-service ({@code POST /api/orders})
 * @param inventoryUrl     base URL of inventory-service ({@code GET /api/products[/{sku}]})
 * @param rate             target arrival rate in user actions per second, from {@value #MIN_RATE} to {@value #MAX_RATE}
 * @param duration         how long to issue requests; {@link Duration#ZERO} = until {@link LoadRun#stop()}
 * @param ramp             the rate grows linearly from 0 to {@code rate} over this time; {@link Duration#ZERO} = none
 * @param mix              scenario weights
 * @param maxConcurrency   most actions in flight at once; an arrival beyond it is not sent but counted as dropped
 * @param progressInterval time between progress lines; {@link Duration#ZERO} = no progress lines
 * @param requestTimeout   longest wait to connect and for each answer of an action's calls; no call of the action
 *                         starts once this much time has passed since it was sent
 */
public record TrafficOptions(URI orderUrl,
                             URI inventoryUrl,
                             double rate,
                             Duration duration,
                             Duration ramp,
                             Mix mix,
                             int maxConcurrency,
                             Duration progressInterval,
                             Duration requestTimeout) {
    /**
     * Lowest target rate accepted: one action every 10 s. Slower rates are no use for a demo, and a rate near 0
     * would put the next arrival so far out that the schedule could no longer represent it.
     */
    public static final double MIN_RATE = 0.1;
    /** Highest target rate accepted. */
    public static final double MAX_RATE = 100_000;
    public static final double DEFAULT_RATE = 20;
    public static final Duration DEFAULT_DURATION = Duration.ofSeconds(60);
    public static final int DEFAULT_MAX_CONCURRENCY = 512;
    public static final Duration DEFAULT_PROGRESS_INTERVAL = Duration.ofSeconds(5);
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** Port of inventory-service when only order-service's URL is known (contract, section 2). */
    public static final int DEFAULT_INVENTORY_PORT = 8081;

    public TrafficOptions {
        checkUrl("orderUrl", orderUrl);
        checkUrl("inventoryUrl", inventoryUrl);
        checkRate("rate", rate);
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(ramp, "ramp");
        Objects.requireNonNull(mix, "mix");
        Objects.requireNonNull(progressInterval, "progressInterval");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (duration.isNegative()) {
            throw new IllegalArgumentException("duration must not be negative, got " + duration);
        }
        if (ramp.isNegative()) {
            throw new IllegalArgumentException("ramp must not be negative, got " + ramp);
        }
        if (maxConcurrency < 1) {
            throw new IllegalArgumentException("maxConcurrency must be at least 1, got " + maxConcurrency);
        }
        if (progressInterval.isNegative()) {
            throw new IllegalArgumentException("progressInterval must not be negative, got " + progressInterval);
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout must be positive, got " + requestTimeout);
        }
    }

    /**
     * Defaults for the platform at {@code orderUrl}: inventory on the same host at port 8081, 20 actions/s for 60 s,
     * no ramp, the default mix, at most 512 in flight, progress every 5 s, 10 s per action.
     */
    public static TrafficOptions defaults(URI orderUrl) {
        return new TrafficOptions(orderUrl, inventoryFor(orderUrl), DEFAULT_RATE, DEFAULT_DURATION, Duration.ZERO,
                                  Mix.defaults(), DEFAULT_MAX_CONCURRENCY, DEFAULT_PROGRESS_INTERVAL,
                                  DEFAULT_REQUEST_TIMEOUT);
    }

    /** inventory-service next to order-service: same scheme and host, port 8081. */
    public static URI inventoryFor(URI orderUrl) {
        checkUrl("orderUrl", orderUrl);
        try {
            return new URI(orderUrl.getScheme(), null, orderUrl.getHost(), DEFAULT_INVENTORY_PORT, null, null, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("cannot derive inventory URL from " + orderUrl, e);
        }
    }

    /**
     * Options for the platform started by {@code local} or {@code bench}: placeholder URLs until
     * {@link #withTargets(URI, URI)} gives the real ones, other settings at their defaults.
     */
    public static TrafficOptions forLocal(double rate, Duration duration, Mix mix) {
        URI order = URI.create("http://localhost:8080");
        return defaults(order).withRate(rate).withDuration(duration).withMix(mix);
    }

    /** One line for people, e.g. {@code 20.0 req/s for 30s (ramp 10s), mix browse=60,..., at most 512 in flight}. */
    public String describe() {
        return String.format(Locale.ROOT, "%.1f req/s %s%s, mix %s, at most %d in flight, against %s and %s",
                             rate, untilStopped() ? "until stopped" : "for " + Durations.format(duration),
                             ramp.isZero() ? "" : " (ramp " + Durations.format(ramp) + ")", mix, maxConcurrency,
                             orderUrl, inventoryUrl);
    }

    /** The same options against another order-service and inventory-service. */
    public TrafficOptions withTargets(URI orderUrl, URI inventoryUrl) {
        return new TrafficOptions(orderUrl, inventoryUrl, rate, duration, ramp, mix, maxConcurrency, progressInterval,
                                  requestTimeout);
    }

    public TrafficOptions withRate(double rate) {
        return new TrafficOptions(orderUrl, inventoryUrl, rate, duration, ramp, mix, maxConcurrency, progressInterval,
                                  requestTimeout);
    }

    public TrafficOptions withDuration(Duration duration) {
        return new TrafficOptions(orderUrl, inventoryUrl, rate, duration, ramp, mix, maxConcurrency, progressInterval,
                                  requestTimeout);
    }

    public TrafficOptions withRamp(Duration ramp) {
        return new TrafficOptions(orderUrl, inventoryUrl, rate, duration, ramp, mix, maxConcurrency, progressInterval,
                                  requestTimeout);
    }

    public TrafficOptions withMix(Mix mix) {
        return new TrafficOptions(orderUrl, inventoryUrl, rate, duration, ramp, mix, maxConcurrency, progressInterval,
                                  requestTimeout);
    }

    public TrafficOptions withMaxConcurrency(int maxConcurrency) {
        return new TrafficOptions(orderUrl, inventoryUrl, rate, duration, ramp, mix, maxConcurrency, progressInterval,
                                  requestTimeout);
    }

    public TrafficOptions withProgressInterval(Duration progressInterval) {
        return new TrafficOptions(orderUrl, inventoryUrl, rate, duration, ramp, mix, maxConcurrency, progressInterval,
                                  requestTimeout);
    }

    public TrafficOptions withRequestTimeout(Duration requestTimeout) {
        return new TrafficOptions(orderUrl, inventoryUrl, rate, duration, ramp, mix, maxConcurrency, progressInterval,
                                  requestTimeout);
    }

    /** Whether the run lasts until stopped. */
    public boolean untilStopped() {
        return duration.isZero();
    }

    /** Checks a target rate; the message starts with {@code name}. */
    static void checkRate(String name, double rate) {
        if (!validRate(rate)) {
            throw new IllegalArgumentException(name + " " + RATE_RANGE + ", got " + rate);
        }
    }

    /** What {@link #checkRate(String, double)} asks for, after the name of the value. */
    static final String RATE_RANGE = "must be a number from " + MIN_RATE + " to " + (long) MAX_RATE + " (actions per second)";

    /** Whether {@code rate} is a finite number from {@link #MIN_RATE} to {@link #MAX_RATE}; NaN is not. */
    static boolean validRate(double rate) {
        return rate >= MIN_RATE && rate <= MAX_RATE;
    }

    /** An absolute http(s) URL with a host; the message starts with {@code name}. */
    static void checkUrl(String name, URI url) {
        if (url == null) {
            throw new IllegalArgumentException(name + " is required");
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!url.isAbsolute() || !(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null
                || url.getRawQuery() != null || url.getRawFragment() != null) {
            throw new IllegalArgumentException(name + " must be an absolute http(s) URL like http://localhost:8080, got '" + url + "'");
        }
    }
}
