package dev.o11yshop.charttests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The chart under test: where it is, the values profiles it ships, the Kubernetes versions it supports, and a
 * cached {@code helm template} of each (profile, version) pair.
 */
final class Chart {

    /**
     * Oldest Kubernetes release the chart supports. 1.27 is the oldest release still commonly shipped by kind and
     * minikube; NetworkPolicy, seccompProfile and the restricted Pod Security Standard fields all exist there.
     */
    static final String KUBE_OLDEST = "1.27.0";
    /**
     * Newest Kubernetes release the chart supports and that the models of client-java-api 24 (generated from the
     * Kubernetes 1.32 OpenAPI) cover.
     */
    static final String KUBE_NEWEST = "1.31.0";
    static final String[] KUBE_VERSIONS = {KUBE_OLDEST, KUBE_NEWEST};

    static final String RELEASE = "o11y-shop";
    static final String NAMESPACE = "o11y-shop";

    /** The name of the {@code helm test} pod and its ServiceAccount (templates/tests/verify.yaml). */
    static final String HELM_TEST_POD = "verify";
    /** The three shop services: always rendered (every profile keeps them). */
    static final Set<String> SHOP_SERVICES = Set.of("order-service", "inventory-service", "payment-service");
    /** Every workload the chart can render, by name; {@code verify} is the {@code helm test} pod. */
    static final Set<String> ALL_COMPONENTS = Set.of("order-service", "inventory-service", "payment-service", "load-generator",
            "otel-collector", "jaeger", "prometheus", "alertmanager", "loki", "grafana", HELM_TEST_POD);

    /**
     * The values profiles the chart ships: the chart's defaults and each values file on top of them, each with the
     * workloads it renders (hooks included) as read from its values file. A test checks the rendered workloads against
     * this list, so the per-profile expectations built on it (e.g. the network flows) cannot drift from the chart.
     */
    enum Profile {
        /** values.yaml: everything on, bundled backends, helm test pod. */
        DEFAULT(null, ALL_COMPONENTS, false),
        /** values-small.yaml: only sizes change; everything is still deployed. */
        SMALL("values-small.yaml", ALL_COMPONENTS, false),
        /** Every optional component off: the three services only, no helm test pod (no backend to verify). */
        DISABLED("ci/disabled-values.yaml", SHOP_SERVICES, false),
        /**
         * Jaeger, Loki, Prometheus and Alertmanager off, pointed at namespace "observability"; the collector still runs.
         * The helm test pod runs against the external backends.
         */
        EXTERNAL("ci/external-values.yaml", union(SHOP_SERVICES, "load-generator", "otel-collector", "grafana", HELM_TEST_POD), false),
        /** The Prometheus Operator's Prometheus (namespace "monitoring") replaces the bundled one; the rest stays. */
        OPERATOR("ci/operator-values.yaml", without(ALL_COMPONENTS, "prometheus"), true);

        private final String valuesFile;
        private final Set<String> components;
        private final boolean operator;

        Profile(String valuesFile, Set<String> components, boolean operator) {
            this.valuesFile = valuesFile;
            this.components = components;
            this.operator = operator;
        }

        String valuesFile() {
            return valuesFile;
        }

        /** The workloads (Deployment/StatefulSet/... names, and {@code verify} for the helm test pod) it renders. */
        Set<String> components() {
            return components;
        }

        boolean renders(String component) {
            return components.contains(component);
        }

        /** prometheusOperator.enabled: scraping by PodMonitor/ServiceMonitor instead of the bundled Prometheus. */
        boolean operator() {
            return operator;
        }

        /**
         * Only these profiles may point at backends outside the release (hosts with a dot): the external profile, and
         * the operator profile, whose Prometheus is by definition the operator's (shared/PLATFORM.md, section 7).
         */
        boolean allowsExternalHosts() {
            return this == EXTERNAL || this == OPERATOR;
        }

        @Override
        public String toString() {
            return valuesFile == null ? "values.yaml" : valuesFile;
        }
    }

    private static final Map<String, Manifests> RENDERED = new ConcurrentHashMap<>();

    private static Set<String> union(Set<String> base, String... more) {
        Set<String> out = new TreeSet<>(base);
        out.addAll(List.of(more));
        return Set.copyOf(out);
    }

    private static Set<String> without(Set<String> base, String... less) {
        Set<String> out = new TreeSet<>(base);
        List.of(less).forEach(out::remove);
        return Set.copyOf(out);
    }

    private Chart() {
    }

    static Path dir() {
        String dir = Objects.requireNonNull(System.getProperty("o11yshop.chartDir"),
                "system property o11yshop.chartDir (set by the surefire configuration of chart-tests)");
        Path path = Paths.get(dir).toAbsolutePath().normalize();
        if (!Files.isRegularFile(path.resolve("Chart.yaml"))) {
            throw new IllegalStateException("no Chart.yaml in " + path);
        }
        return path;
    }

    static Path repoRoot() {
        return Paths.get(Objects.requireNonNull(System.getProperty("o11yshop.root"), "system property o11yshop.root"))
                .toAbsolutePath().normalize();
    }

    static Path workDir(String name) throws IOException {
        Path base = Paths.get(System.getProperty("o11yshop.workDir", System.getProperty("java.io.tmpdir")));
        Files.createDirectories(base);
        return Files.createTempDirectory(base, name + "-");
    }

    /** Every (profile, Kubernetes version) pair. */
    static Stream<Arguments> cases() {
        return Arrays.stream(Profile.values())
                .flatMap(p -> Arrays.stream(KUBE_VERSIONS).map(v -> Arguments.of(p, v)));
    }

    /** Every profile at the newest Kubernetes version (checks of config content that does not vary by version). */
    static Stream<Arguments> profiles() {
        return Arrays.stream(Profile.values()).map(p -> Arguments.of(p, KUBE_NEWEST));
    }

    /**
     * The profiles that render {@code component}, at the newest Kubernetes version: checks of a component's config run
     * exactly where it exists, and a profile that should render it but does not fails there instead of skipping.
     */
    static Stream<Arguments> profilesRendering(String component) {
        return Arrays.stream(Profile.values()).filter(p -> p.renders(component)).map(p -> Arguments.of(p, KUBE_NEWEST));
    }

    static Stream<Arguments> profilesWithCollector() {
        return profilesRendering("otel-collector");
    }

    static Stream<Arguments> profilesWithPrometheus() {
        return profilesRendering("prometheus");
    }

    static Stream<Arguments> profilesWithAlertmanager() {
        return profilesRendering("alertmanager");
    }

    static Stream<Arguments> profilesWithLoki() {
        return profilesRendering("loki");
    }

    static Stream<Arguments> profilesWithJaeger() {
        return profilesRendering("jaeger");
    }

    static Stream<Arguments> profilesWithGrafana() {
        return profilesRendering("grafana");
    }

    /** prometheusOperator.enabled profiles: they render PrometheusRule objects. */
    static Stream<Arguments> operatorProfiles() {
        return Arrays.stream(Profile.values()).filter(Profile::operator).map(p -> Arguments.of(p, KUBE_NEWEST));
    }

    static LintResult lintStrict() {
        return new Helm(dir()).lint().strict().call();
    }

    /** {@code helm template} of the profile, without hook documents (what {@code helm install} applies). */
    static Manifests render(Profile profile, String kubeVersion) {
        return RENDERED.computeIfAbsent(profile.name() + "@" + kubeVersion,
                k -> Manifests.parse(profile + " @ Kubernetes " + kubeVersion, template(profile, kubeVersion, null)));
    }

    /**
     * {@code helm template} of the profile with the {@code helm test} hook documents too (the verify Pod and its
     * ServiceAccount), so that every check that runs on it also covers what {@code helm test} creates.
     * <p>
     * helm-java 0.0.21's {@code template()} leaves hook documents out. So this renders a copy of the chart (made once
     * per run, see {@link #chartWithTestHooksAsPlainDocuments()}) in which the {@code helm.sh/hook*} annotation lines of
     * templates/tests/*.yaml (only there) are disarmed, then puts those annotations back into the rendered text: the
     * documents are exactly what {@code helm test} sends, and {@link Manifests.Doc#isTestHook()} still knows them.
     */
    static Manifests renderWithHooks(Profile profile, String kubeVersion) {
        return RENDERED.computeIfAbsent(profile.name() + "@" + kubeVersion + "+hooks", k -> renderWithHooks(profile, kubeVersion, null));
    }

    /** {@link #renderWithHooks(Profile, String)} with, when given, one more values file on top (not cached). */
    static Manifests renderWithHooks(Profile profile, String kubeVersion, Path extraValues) {
        String rendered = template(chartWithTestHooksAsPlainDocuments(), profile, kubeVersion, extraValues);
        return Manifests.parse(profile + (extraValues == null ? "" : " + " + extraValues.getFileName()) + " @ Kubernetes "
                + kubeVersion + " (with helm test hooks)", rendered.replace(DISARMED_HOOK_PREFIX, "helm.sh/hook"));
    }

    /**
     * Replaces {@code helm.sh/hook} at the start of an annotation key in the copy's test templates. Helm treats the key
     * as an ordinary annotation then; the rendered text gets it back ({@link #renderWithHooks}). The prefix is a valid
     * annotation key and appears nowhere else in the chart (checked when the copy is made).
     */
    static final String DISARMED_HOOK_PREFIX = "chart-tests.o11yshop.dev/disarmed-hook";
    private static final Pattern HOOK_ANNOTATION = Pattern.compile("(?m)^(\\s*)helm\\.sh/hook(\\S*\\s*:)");
    private static Path chartWithTestHooks;

    /** The copy of the chart whose test hooks render as plain documents (made on first use, then reused). */
    static synchronized Path chartWithTestHooksAsPlainDocuments() {
        if (chartWithTestHooks != null) {
            return chartWithTestHooks;
        }
        Path source = dir();
        try {
            Path copy = workDir("chart-with-test-hooks").resolve(source.getFileName());
            List<Path> files;
            try (Stream<Path> walk = Files.walk(source)) {
                files = walk.toList();
            }
            for (Path from : files) {
                Path to = copy.resolve(source.relativize(from).toString());
                if (Files.isDirectory(from)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(from, to);
                }
            }
            try (Stream<Path> walk = Files.walk(copy)) {
                for (Path f : walk.filter(Files::isRegularFile).toList()) {
                    if (Files.readString(f, StandardCharsets.UTF_8).contains(DISARMED_HOOK_PREFIX)) {
                        throw new IllegalStateException(copy.relativize(f) + " already contains "
                                + DISARMED_HOOK_PREFIX + ": the hook rendering could not tell it from a disarmed hook");
                    }
                }
            }
            Path tests = copy.resolve("templates").resolve("tests");
            List<Path> testTemplates = new ArrayList<>();
            if (Files.isDirectory(tests)) {
                try (Stream<Path> list = Files.list(tests)) {
                    testTemplates.addAll(list.filter(f -> f.getFileName().toString().endsWith(".yaml")).toList());
                }
            }
            for (Path template : testTemplates) {
                String text = Files.readString(template, StandardCharsets.UTF_8);
                Matcher m = HOOK_ANNOTATION.matcher(text);
                Files.writeString(template, m.replaceAll("$1" + Matcher.quoteReplacement(DISARMED_HOOK_PREFIX) + "$2"), StandardCharsets.UTF_8);
            }
            chartWithTestHooks = copy;
            return copy;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the chart " + source + " to render its helm test hooks", e);
        }
    }

    /** A values file with this content, to render with on top of a profile. */
    static Path valuesFile(String yaml) throws IOException {
        Path file = workDir("values").resolve("override.yaml");
        Files.writeString(file, yaml, StandardCharsets.UTF_8);
        return file;
    }

    /** {@code helm template} with the profile's values file and, when given, one more values file on top. */
    static String template(Profile profile, String kubeVersion, Path extraValues) {
        return template(dir(), profile, kubeVersion, extraValues);
    }

    private static String template(Path chart, Profile profile, String kubeVersion, Path extraValues) {
        TemplateCommand command = new Helm(chart).template()
                .withName(RELEASE)
                .withNamespace(NAMESPACE)
                .withKubeVersion(kubeVersion);
        if (profile.valuesFile() != null) {
            command = command.withValuesFile(chart.resolve(profile.valuesFile()));
        }
        if (extraValues != null) {
            command = command.withValuesFile(extraValues);
        }
        return command.call();
    }
}
