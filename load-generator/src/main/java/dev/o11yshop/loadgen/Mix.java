package dev.o11yshop.loadgen;

import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Relative weights of the scenarios: each request picks a scenario with probability weight / sum of weights.
 * Weights are numbers from 0 to {@value #MAX_WEIGHT} and at least one is positive; a scenario not mentioned has
 * weight 0. The bound keeps the sum finite, so every share is a number.
 */
public record Mix(double browse, double checkout, double declined, double invalid) {
    /** The default mix, as {@code --mix} spells it. */
    public static final String DEFAULT_SPEC = "browse=60,checkout=30,declined=5,invalid=5";
    /** Highest weight of one scenario: weights are relative, so this limits nothing but overflow. */
    public static final double MAX_WEIGHT = 1_000_000;
    /** What a weight must be, after its name. */
    static final String WEIGHT_RANGE = "must be a number from 0 to " + (long) MAX_WEIGHT;

    public Mix {
        check("browse", browse);
        check("checkout", checkout);
        check("declined", declined);
        check("invalid", invalid);
        if (!(browse + checkout + declined + invalid > 0)) {
            throw new IllegalArgumentException("mix needs at least one positive weight, got " + spec(browse, checkout, declined, invalid));
        }
    }

    /** Whether {@code weight} is a number from 0 to {@link #MAX_WEIGHT}; NaN is not. */
    static boolean validWeight(double weight) {
        return weight >= 0 && weight <= MAX_WEIGHT;
    }

    /** browse=60, checkout=30, declined=5, invalid=5. */
    public static Mix defaults() {
        return new Mix(60, 30, 5, 5);
    }

    /** Only checkouts: the load of the benchmark. */
    public static Mix only(Scenario scenario) {
        Map<Scenario, Double> weights = new EnumMap<>(Scenario.class);
        weights.put(scenario, 1.0);
        return of(weights);
    }

    /**
     * Parses {@code scenario=weight} pairs separated by commas, e.g. {@code browse=60,checkout=30,declined=5,invalid=5};
     * scenarios left out get weight 0.
     *
     * @throws IllegalArgumentException with a message naming what is wrong, e.g.
     *                                  "mix names an unknown scenario 'foo' (known: browse, checkout, declined, invalid)"
     */
    public static Mix parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("mix must be scenario=weight pairs separated by commas, like " + DEFAULT_SPEC
                                                       + ", got an empty value");
        }
        Map<Scenario, Double> weights = new EnumMap<>(Scenario.class);
        for (String pair : spec.split(",", -1)) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("mix must be scenario=weight pairs separated by commas, like " + DEFAULT_SPEC
                                                           + ", got '" + spec + "'");
            }
            String name = pair.substring(0, eq).trim();
            String value = pair.substring(eq + 1).trim();
            Scenario scenario = Scenario.byLabel(name).orElseThrow(() -> new IllegalArgumentException(
                    "mix names an unknown scenario '" + name + "' (known: " + String.join(", ", Scenario.LABELS) + ")"));
            double weight;
            try {
                weight = Double.parseDouble(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("mix needs a number as the weight of '" + name + "', got '" + value + "'", e);
            }
            if (!validWeight(weight)) {
                throw new IllegalArgumentException("mix needs a weight from 0 to " + (long) MAX_WEIGHT + " for '" + name
                                                           + "', got '" + value + "'");
            }
            if (weights.put(scenario, weight) != null) {
                throw new IllegalArgumentException("mix names '" + name + "' twice");
            }
        }
        return of(weights);
    }

    /** A mix from weights per scenario; missing scenarios get 0. */
    public static Mix of(Map<Scenario, ? extends Number> weights) {
        return new Mix(weight(weights, Scenario.BROWSE), weight(weights, Scenario.CHECKOUT),
                       weight(weights, Scenario.DECLINED), weight(weights, Scenario.INVALID));
    }

    /** The weight of {@code scenario}. */
    public double weight(Scenario scenario) {
        return switch (scenario) {
            case BROWSE -> browse;
            case CHECKOUT -> checkout;
            case DECLINED -> declined;
            case INVALID -> invalid;
        };
    }

    /** The share of requests {@code scenario} gets, 0 to 1. */
    public double share(Scenario scenario) {
        return weight(scenario) / (browse + checkout + declined + invalid);
    }

    /** The scenario for a uniform random number in [0, 1): the weights cut [0, 1) into consecutive intervals. */
    public Scenario pick(double uniform) {
        double point = uniform * (browse + checkout + declined + invalid);
        double bound = 0;
        Scenario last = null;
        for (Scenario scenario : Scenario.values()) {
            double weight = weight(scenario);
            if (weight > 0) {
                bound += weight;
                last = scenario;
                if (point < bound) {
                    return scenario;
                }
            }
        }
        return last;
    }

    /** Weights by scenario label, in declaration order (every scenario, zeros included), for JSON. */
    public Map<String, Double> asMap() {
        Map<String, Double> map = new LinkedHashMap<>();
        for (Scenario scenario : Scenario.values()) {
            map.put(scenario.label(), weight(scenario));
        }
        return map;
    }

    /** As {@code --mix} spells it, e.g. {@code browse=60,checkout=30,declined=5,invalid=5}. */
    @Override
    public String toString() {
        return spec(browse, checkout, declined, invalid);
    }

    private static String spec(double browse, double checkout, double declined, double invalid) {
        StringJoiner joiner = new StringJoiner(",");
        double[] weights = {browse, checkout, declined, invalid};
        for (Scenario scenario : Scenario.values()) {
            joiner.add(scenario.label() + "=" + plain(weights[scenario.ordinal()]));
        }
        return joiner.toString();
    }

    private static String plain(double value) {
        if (!Double.isFinite(value)) {
            return String.valueOf(value);
        }
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    private static double weight(Map<Scenario, ? extends Number> weights, Scenario scenario) {
        Number weight = weights.get(scenario);
        return weight == null ? 0 : weight.doubleValue();
    }

    private static void check(String name, double weight) {
        if (!validWeight(weight)) {
            throw new IllegalArgumentException("mix needs a weight from 0 to " + (long) MAX_WEIGHT + " for '" + name
                                                       + "', got " + plain(weight));
        }
    }
}
