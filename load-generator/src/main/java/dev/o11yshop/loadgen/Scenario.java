package dev.o11yshop.loadgen;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A kind of user action the generator performs, with the HTTP status that counts as its expected result. The
 * label is the span name, the {@code scenario} metric label and the name used in {@code --mix}.
 */
public enum Scenario {
    /** Catalog reads: {@code GET /api/products}, then one product; expects 2xx. */
    BROWSE(200, 299),
    /** An order paid with the authorizing test card; expects 2xx (201 Created, status CONFIRMED). */
    CHECKOUT(200, 299),
    /** An order paid with the always-declining test card; expects 422 (payment declined). */
    DECLINED(422, 422),
    /** A malformed order; expects 400 (validation). */
    INVALID(400, 400);

    /** Every label, in declaration order, for messages. */
    public static final List<String> LABELS = Arrays.stream(values()).map(Scenario::label).toList();

    private final int expectedLow;
    private final int expectedHigh;
    private final String label;

    Scenario(int expectedLow, int expectedHigh) {
        this.expectedLow = expectedLow;
        this.expectedHigh = expectedHigh;
        this.label = name().toLowerCase(Locale.ROOT);
    }

    /** Lower-case name: span name, metric label, key in a mix. */
    public String label() {
        return label;
    }

    /** Whether an answer with {@code status} is this scenario's expected, non-error result; {@code -1} is no answer. */
    public boolean expected(int status) {
        return status >= expectedLow && status <= expectedHigh;
    }

    /** The scenario with this label, if any. */
    public static Optional<Scenario> byLabel(String label) {
        for (Scenario scenario : values()) {
            if (scenario.label.equals(label)) {
                return Optional.of(scenario);
            }
        }
        return Optional.empty();
    }
}
