package dev.o11yshop.loadgen.alerting;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.stream.Collectors;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;

/**
 * Build time only (load-generator's pom runs it in {@code process-classes}): renders the chart as {@code helm install}
 * would apply it, once with its default values and once with {@link ChartConfig#LOCAL_VALUES}, into the classpath
 * resources {@link ChartConfig#bundled()} and {@link ChartConfig#bundledForLocal()} read. helm-java is a
 * {@code provided} dependency, so this class cannot run from the packaged jar; besides the build only system-tests
 * call it (they have helm-java).
 * <p>
 * Usage: {@code ChartRenderer <chart dir> <classes dir>}.
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
        return render(chart, Map.of());
    }

    /** As {@link #render(Path)}, with {@code values} set ({@code --set name=value} each). */
    public static String render(Path chart, Map<String, String> values) {
        if (!Files.isRegularFile(chart.resolve("Chart.yaml"))) {
            throw new IllegalArgumentException("not a Helm chart (no Chart.yaml): " + chart);
        }
        TemplateCommand template = new Helm(chart).template()
                .withName(ChartConfig.RELEASE)
                .withNamespace(ChartConfig.NAMESPACE)
                .withKubeVersion(ChartConfig.KUBE_VERSION);
        values.forEach(template::set);
        return template.call();
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: ChartRenderer <chart dir> <classes dir>, got " + args.length + " arguments");
        }
        Path chart = Path.of(args[0]).toAbsolutePath().normalize();
        Path classes = Path.of(args[1]).toAbsolutePath().normalize();
        write(chart, Map.of(), classes.resolve(ChartConfig.RESOURCE.substring(1)));
        write(chart, ChartConfig.LOCAL_VALUES, classes.resolve(ChartConfig.LOCAL_RESOURCE.substring(1)));
    }

    private static void write(Path chart, Map<String, String> values, Path output) throws IOException {
        String rendered = render(chart, values);
        // Fail the build here, not a trainer's `local` later, if the chart lost a part the stack needs.
        ChartConfig checked = ChartConfig.parse(rendered, chart.toString());
        checked.prometheusConfig();
        checked.alertmanagerConfig();
        checked.rules();

        String sets = values.isEmpty() ? " (default values)"
                : values.entrySet().stream().map(e -> " --set " + e.getKey() + "=" + e.getValue()).collect(Collectors.joining());
        Files.createDirectories(output.getParent());
        Path tmp = output.resolveSibling(output.getFileName() + ".tmp");
        Files.writeString(tmp, "# helm template " + ChartConfig.RELEASE + " helm/o11y-shop --namespace " + ChartConfig.NAMESPACE
                + " --kube-version " + ChartConfig.KUBE_VERSION + sets + ", rendered by the load-generator build\n"
                + rendered, StandardCharsets.UTF_8);
        Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.out.println("rendered " + chart + sets + " into " + output);
    }
}
