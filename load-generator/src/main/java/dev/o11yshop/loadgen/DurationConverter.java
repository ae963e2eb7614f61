package dev.o11yshop.loadgen;

import java.time.Duration;

import picocli.CommandLine;

/** Picocli converter for durations typed as {@code 30s}, {@code 5m}, {@code 1h}, {@code 1m30s} or {@code 0}. */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        try {
            return Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a duration like 30s, 5m, 1h or 1m30s (0 = until stopped)");
        }
    }
}
