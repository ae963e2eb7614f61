package dev.o11yshop.loadgen;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as a person types them on the command line: {@code 30s}, {@code 5m}, {@code 1h}, {@code 1m30s},
 * {@code 500ms}, and {@code 0} for none (for {@code --duration}: run until stopped).
 */
public final class Durations {
    private static final Pattern WHOLE = Pattern.compile("(?:\\d+(?:\\.\\d+)?(?:ms|h|m|s))+");
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|h|m|s)");

    private Durations() {
    }

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException when it is not a sequence of number+unit ({@code ms}, {@code s}, {@code m},
     *                                  {@code h}) or {@code 0}
     */
    public static Duration parse(String text) {
        String value = text == null ? "" : text.trim();
        if (value.equals("0")) {
            return Duration.ZERO;
        }
        if (!WHOLE.matcher(value).matches()) {
            throw new IllegalArgumentException("not a duration like 30s, 5m, 1h or 1m30s: '" + text + "'");
        }
        Matcher part = PART.matcher(value);
        double nanos = 0;
        while (part.find()) {
            double amount = Double.parseDouble(part.group(1));
            nanos += amount * switch (part.group(2)) {
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
            };
        }
        if (nanos >= Long.MAX_VALUE) {
            throw new IllegalArgumentException("duration too long: '" + text + "'");
        }
        return Duration.ofNanos(Math.round(nanos));
    }

    /** Short human form: {@code 0s}, {@code 250ms}, {@code 30s}, {@code 1m30s}, {@code 2h5m}. */
    public static String format(Duration duration) {
        if (duration.isZero()) {
            return "0s";
        }
        if (duration.compareTo(Duration.ofSeconds(1)) < 0) {
            return duration.toMillis() + "ms";
        }
        StringBuilder text = new StringBuilder();
        if (duration.toHours() > 0) {
            text.append(duration.toHours()).append('h');
        }
        if (duration.toMinutesPart() > 0) {
            text.append(duration.toMinutesPart()).append('m');
        }
        int seconds = duration.toSecondsPart();
        int millis = duration.toMillisPart();
        if (seconds > 0 || millis > 0) {
            text.append(seconds);
            if (millis > 0) {
                text.append('.').append(String.format("%03d", millis).replaceAll("0+$", ""));
            }
            text.append('s');
        }
        return text.toString();
    }
}
