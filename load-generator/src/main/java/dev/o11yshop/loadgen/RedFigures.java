package dev.o11yshop.loadgen;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rate, errors and duration of one service, read from its Prometheus exposition ({@code http_requests_total} and
 * {@code http_request_duration_seconds}), per route. Quantiles are estimated from histogram buckets by linear
 * interpolation, as Prometheus' {@code histogram_quantile} does.
 */
record RedFigures(String service, List<Route> routes) {
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)\\{([^}]*)} ([0-9.eE+-]+|NaN|\\+Inf)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** Figures of one route over the whole run. */
    record Route(String method, String endpoint, long requests, long errors5xx, long errors4xx, double p50Ms, double p99Ms) {
    }

    /** Parses a Prometheus text exposition. */
    static RedFigures parse(String service, String exposition) {
        Map<String, long[]> counts = new TreeMap<>();
        Map<String, TreeMap<Double, Double>> buckets = new TreeMap<>();
        for (String line : exposition.split("\n")) {
            Matcher sample = SAMPLE.matcher(line.trim());
            if (!sample.matches()) {
                continue;
            }
            Map<String, String> labels = labels(sample.group(2));
            String key = labels.get("method") + " " + labels.get("endpoint");
            double value = Double.parseDouble(sample.group(3));
            if (sample.group(1).equals("http_requests_total")) {
                long[] count = counts.computeIfAbsent(key, k -> new long[3]);
                int status = Integer.parseInt(labels.getOrDefault("status", "0").replaceAll("\\D", "0"));
                count[0] += (long) value;
                count[1] += status >= 500 ? (long) value : 0;
                count[2] += status >= 400 && status < 500 ? (long) value : 0;
            } else if (sample.group(1).equals("http_request_duration_seconds_bucket")) {
                String le = labels.get("le");
                double bound = "+Inf".equals(le) ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
                buckets.computeIfAbsent(key, k -> new TreeMap<>()).put(bound, value);
            }
        }
        List<Route> routes = new ArrayList<>();
        counts.forEach((key, count) -> {
            String[] parts = key.split(" ", 2);
            TreeMap<Double, Double> histogram = buckets.getOrDefault(key, new TreeMap<>());
            routes.add(new Route(parts[0], parts[1], count[0], count[1], count[2],
                                 quantile(0.5, histogram) * 1000, quantile(0.99, histogram) * 1000));
        });
        return new RedFigures(service, routes);
    }

    /** Rows for the summary: service, route, requests, 4xx, 5xx, p50, p99. */
    String table() {
        StringBuilder out = new StringBuilder();
        for (Route route : routes) {
            out.append(String.format(Locale.ROOT, "  %-18s %-6s %-46s %8d %6d %6d %9.1f %9.1f%n", service, route.method(),
                                     route.endpoint(), route.requests(), route.errors4xx(), route.errors5xx(),
                                     route.p50Ms(), route.p99Ms()));
        }
        return out.toString();
    }

    static String header() {
        return String.format(Locale.ROOT, "  %-18s %-6s %-46s %8s %6s %6s %9s %9s%n", "service", "method", "route",
                             "requests", "4xx", "5xx", "p50 ms", "p99 ms");
    }

    static double quantile(double q, TreeMap<Double, Double> cumulative) {
        if (cumulative.isEmpty()) {
            return Double.NaN;
        }
        double total = cumulative.lastEntry().getValue();
        if (total == 0) {
            return Double.NaN;
        }
        double rank = q * total;
        double lowerBound = 0;
        double lowerCount = 0;
        for (Map.Entry<Double, Double> bucket : cumulative.entrySet()) {
            if (bucket.getValue() >= rank) {
                if (bucket.getKey().isInfinite()) {
                    return lowerBound;
                }
                double inBucket = bucket.getValue() - lowerCount;
                return inBucket == 0 ? bucket.getKey()
                        : lowerBound + (bucket.getKey() - lowerBound) * (rank - lowerCount) / inBucket;
            }
            lowerBound = bucket.getKey();
            lowerCount = bucket.getValue();
        }
        return lowerBound;
    }

    private static Map<String, String> labels(String text) {
        Map<String, String> labels = new TreeMap<>();
        Matcher label = LABEL.matcher(text);
        while (label.find()) {
            labels.put(label.group(1), label.group(2));
        }
        return labels;
    }
}
