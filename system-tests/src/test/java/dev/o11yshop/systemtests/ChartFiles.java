package dev.o11yshop.systemtests;

import java.nio.file.Path;
import java.util.Objects;

import dev.o11yshop.loadgen.alerting.ChartConfig;
import dev.o11yshop.loadgen.alerting.ChartRenderer;

/**
 * The chart under test (system property {@code o11yshop.chartDir}, by default the repository's), rendered with helm
 * with its default values as {@code helm install} would apply it, and read by the load generator's
 * {@link ChartConfig}. Rendering here, rather than using the copy built into the load generator's jar, lets
 * {@code -Do11yshop.chartDir=…} test a chart in progress.
 */
final class ChartFiles {
    private ChartFiles() {
    }

    static Path chartDir() {
        String dir = Objects.requireNonNull(System.getProperty("o11yshop.chartDir"),
                "system property o11yshop.chartDir (set by the failsafe configuration of system-tests)");
        return Path.of(dir).toAbsolutePath().normalize();
    }

    static ChartConfig render() {
        Path chart = chartDir();
        return ChartConfig.parse(ChartRenderer.render(chart), chart.toString());
    }
}
