package dev.o11yshop.loadgen.alerting;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import com.marcnuri.helm.Helm;

/**
 * Build time only (load-generator's pom runs it in {@code process-classes}): renders the chart with its default
 * values, as {@code helm install} would apply it, into the classpath resource {@link ChartConfig#bundled()} reads.
 * helm-java is a {@code provided} dependency, so this class cannot run from the packaged jar; besides the build only
 * system-tests call it (they have helm-java).
 * <p>
 * Usage: {@code ChartRenderer <chart dir> <output file>}.
 */
public final class ChartRenderer {
    private ChartRenderer() {
    }

    /**
     * {@code helm template} of {@code chart} with its default values (release and namespace
     * {@value ChartConfig#RELEASE}, kube version {@value ChartConfig#KUBE_VERSION}); also for tests that render a
     * chart in progress, with helm-java on their classpath.
     */
    public static String render(Path chart) {
        if (!Files.isRegularFile(chart.resolve("Chart.yaml"))) {
            throw new IllegalArgumentException("not a Helm chart (no Chart.yaml): " + chart);
        }
        return new Helm(chart).template()
                .withName(ChartConfig.RELEASE)
                .withNamespace(ChartConfig.NAMESPACE)
                .withKubeVersion(ChartConfig.KUBE_VERSION)
                .call();
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: ChartRenderer <chart dir> <output file>, got " + args.length + " arguments");
        }
        Path chart = Path.of(args[0]).toAbsolutePath().normalize();
        Path output = Path.of(args[1]).toAbsolutePath().normalize();
        String rendered = render(chart);
        // Fail the build here, not a trainer's `local` later, if the chart lost a part the stack needs.
        ChartConfig checked = ChartConfig.parse(rendered, chart.toString());
        checked.prometheusConfig();
        checked.alertmanagerConfig();
        checked.rules();

        Files.createDirectories(output.getParent());
        Path tmp = output.resolveSibling(output.getFileName() + ".tmp");
        Files.writeString(tmp, "# helm template " + ChartConfig.RELEASE + " helm/o11y-shop --namespace " + ChartConfig.NAMESPACE
                + " --kube-version " + ChartConfig.KUBE_VERSION + " (default values), rendered by the load-generator build\n"
                + rendered, StandardCharsets.UTF_8);
        Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.out.println("rendered " + chart + " into " + output);
    }
}
