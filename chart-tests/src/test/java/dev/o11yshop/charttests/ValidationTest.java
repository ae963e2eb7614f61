package dev.o11yshop.charttests;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.marcnuri.helm.LintResult;
import dev.o11yshop.charttests.Chart.Profile;
import io.kubernetes.client.openapi.models.V1ClusterRole;
import io.kubernetes.client.openapi.models.V1ClusterRoleBinding;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1CronJob;
import io.kubernetes.client.openapi.models.V1DaemonSet;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Ingress;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1NetworkPolicy;
import io.kubernetes.client.openapi.models.V1PersistentVolumeClaim;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1Role;
import io.kubernetes.client.openapi.models.V1RoleBinding;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import io.kubernetes.client.openapi.models.V2HorizontalPodAutoscaler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * Helm lint, rendering of every profile at both ends of the supported Kubernetes range, and strict schema validation.
 * Renders include the {@code helm test} hook documents ({@link Chart#renderWithHooks}).
 */
class ValidationTest {

    /** apiVersion/kind to the client-java-api model whose validateJsonElement checks it (unknown fields rejected). */
    private static final Map<String, Class<?>> MODELS = Map.ofEntries(
            Map.entry("v1/ConfigMap", V1ConfigMap.class),
            Map.entry("v1/Secret", V1Secret.class),
            Map.entry("v1/Service", V1Service.class),
            Map.entry("v1/ServiceAccount", V1ServiceAccount.class),
            Map.entry("v1/Pod", V1Pod.class),
            Map.entry("v1/PersistentVolumeClaim", V1PersistentVolumeClaim.class),
            Map.entry("apps/v1/Deployment", V1Deployment.class),
            Map.entry("apps/v1/StatefulSet", V1StatefulSet.class),
            Map.entry("apps/v1/DaemonSet", V1DaemonSet.class),
            Map.entry("batch/v1/Job", V1Job.class),
            Map.entry("batch/v1/CronJob", V1CronJob.class),
            Map.entry("rbac.authorization.k8s.io/v1/Role", V1Role.class),
            Map.entry("rbac.authorization.k8s.io/v1/RoleBinding", V1RoleBinding.class),
            Map.entry("rbac.authorization.k8s.io/v1/ClusterRole", V1ClusterRole.class),
            Map.entry("rbac.authorization.k8s.io/v1/ClusterRoleBinding", V1ClusterRoleBinding.class),
            Map.entry("networking.k8s.io/v1/NetworkPolicy", V1NetworkPolicy.class),
            Map.entry("networking.k8s.io/v1/Ingress", V1Ingress.class),
            Map.entry("policy/v1/PodDisruptionBudget", V1PodDisruptionBudget.class),
            Map.entry("autoscaling/v2/HorizontalPodAutoscaler", V2HorizontalPodAutoscaler.class));

    private static final Gson GSON = new Gson();

    @Test
    void lintStrictPasses() {
        LintResult result = Chart.lintStrict();
        assertThat("helm lint --strict " + Chart.dir() + ":\n" + String.join("\n", result.getMessages()),
                result.isFailed(), is(false));
    }

    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("dev.o11yshop.charttests.Chart#cases")
    void rendersDistinctIdentifiedDocuments(Profile profile, String kubeVersion) {
        Manifests m = Chart.renderWithHooks(profile, kubeVersion);
        assertThat(m.description() + " renders no document", m.all(), not(empty()));
        List<String> problems = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Manifests.Doc d : m.all()) {
            if (d.apiVersion() == null || d.kind() == null || d.name() == null) {
                problems.add(d.source() + ": apiVersion, kind and metadata.name are required, got " + d.apiVersion() + " " + d.kind() + " " + d.name());
            } else if (!seen.add(d.apiVersion() + "/" + d.kind() + "/" + d.name())) {
                problems.add(d.id() + " is rendered twice");
            }
            String ns = Y.str(d.body(), "metadata", "namespace");
            if (ns != null && !ns.equals(Chart.NAMESPACE)) {
                problems.add(d.id() + " metadata.namespace is " + ns + ", not the release namespace " + Chart.NAMESPACE);
            }
        }
        assertThat(m.description(), problems, empty());
    }

    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("dev.o11yshop.charttests.Chart#cases")
    void everyDocumentIsValidForItsKubernetesModel(Profile profile, String kubeVersion) {
        Manifests m = Chart.renderWithHooks(profile, kubeVersion);
        List<String> problems = new ArrayList<>();
        for (Manifests.Doc d : m.all()) {
            String type = d.apiVersion() + "/" + d.kind();
            if ("monitoring.coreos.com/v1".equals(d.apiVersion())) {
                problems.addAll(OperatorResources.validate(d));
                continue;
            }
            Class<?> model = MODELS.get(type);
            if (model == null) {
                problems.add(d.id() + ": no model for " + type + " (unknown or unsupported kind)");
                continue;
            }
            JsonElement json = GSON.toJsonTree(d.body());
            try {
                Method validate = model.getMethod("validateJsonElement", JsonElement.class);
                validate.invoke(null, json);
            } catch (InvocationTargetException e) {
                String message = String.valueOf(e.getCause().getMessage());
                problems.add(d.id() + " is not a valid " + model.getSimpleName() + ": "
                        + (message.length() > 400 ? message.substring(0, 400) + "…" : message));
            } catch (ReflectiveOperationException e) {
                throw new AssertionError("cannot call " + model.getName() + ".validateJsonElement", e);
            }
        }
        assertThat(m.description() + ": invalid documents", problems, empty());
    }

    /** The profile renders exactly the workloads it declares ({@link Profile#components()}), the helm test pod included. */
    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("dev.o11yshop.charttests.Chart#cases")
    void rendersExactlyTheProfilesWorkloads(Profile profile, String kubeVersion) {
        Manifests m = Chart.renderWithHooks(profile, kubeVersion);
        Set<String> rendered = new TreeSet<>();
        List<String> problems = new ArrayList<>();
        for (Manifests.Workload w : m.workloads()) {
            if (!rendered.add(w.name())) {
                problems.add(w.id() + ": a second workload named " + w.name());
            }
            boolean helmTest = Chart.HELM_TEST_POD.equals(w.name());
            if (helmTest != w.isTestHook()) {
                problems.add(w.id() + (helmTest ? " is not a helm test hook" : " is a helm test hook, but only " + Chart.HELM_TEST_POD + " should be"));
            }
        }
        assertThat(m.description(), problems, empty());
        assertThat(m.description() + ": rendered workloads", rendered, equalTo(new TreeSet<>(profile.components())));
        if (profile.renders(Chart.HELM_TEST_POD)) {
            assertThat(m.description() + ": the helm test pod's ServiceAccount is a helm test hook too",
                    m.find("ServiceAccount", Chart.HELM_TEST_POD).map(Manifests.Doc::isTestHook).orElse(false), is(true));
        }
    }

    /**
     * Prometheus Operator objects point at what is rendered: a ServiceMonitor selects rendered Services and names their
     * ports; a PodMonitor selects rendered pod templates and names their container ports. With the operator, the
     * monitors must cover every component the bundled Prometheus would scrape; without it, none may be rendered (the
     * CRDs need not exist).
     */
    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("dev.o11yshop.charttests.Chart#cases")
    void serviceMonitorsSelectRenderedServicePorts(Profile profile, String kubeVersion) {
        Manifests m = Chart.renderWithHooks(profile, kubeVersion);
        List<String> problems = new ArrayList<>();
        List<Manifests.Doc> serviceMonitors = m.ofKind("ServiceMonitor");
        List<Manifests.Doc> podMonitors = m.ofKind("PodMonitor");
        if (!profile.operator()) {
            assertThat(m.description() + ": Prometheus Operator monitors without prometheusOperator.enabled",
                    serviceMonitors.size() + podMonitors.size(), is(0));
            return;
        }
        assertThat(m.description() + ": prometheusOperator.enabled but neither a ServiceMonitor nor a PodMonitor is rendered",
                serviceMonitors.size() + podMonitors.size(), greaterThan(0));
        Set<String> scraped = new TreeSet<>();
        for (Manifests.Doc sm : serviceMonitors) {
            Map<String, Object> selector = Y.map(sm.body(), "spec", "selector");
            List<Manifests.Doc> selected = m.ofKind("Service").stream()
                    .filter(s -> Manifests.selects(selector, Y.stringMap(s.body(), "metadata", "labels"))).toList();
            if (selected.isEmpty()) {
                problems.add(sm.id() + " spec.selector " + selector + " selects no rendered Service");
            }
            for (Map<String, Object> endpoint : Y.maps(sm.body(), "spec", "endpoints")) {
                String port = Y.str(endpoint, "port");
                for (Manifests.Doc s : selected) {
                    boolean found = Y.maps(s.body(), "spec", "ports").stream().anyMatch(p -> port != null && port.equals(Y.str(p, "name")));
                    if (port != null && !found) {
                        problems.add(sm.id() + " endpoint port " + port + " is not a named port of " + s.id());
                    } else if (found) {
                        Map<String, String> serviceSelector = Y.stringMap(s.body(), "spec", "selector");
                        m.workloads().stream().filter(w -> Manifests.selectsPlain(serviceSelector, w.podLabels()))
                                .forEach(w -> scraped.add(w.name()));
                    }
                }
            }
        }
        for (Manifests.Doc pm : podMonitors) {
            Map<String, Object> selector = Y.map(pm.body(), "spec", "selector");
            List<Manifests.Workload> selected = m.workloads().stream().filter(w -> Manifests.selects(selector, w.podLabels())).toList();
            if (selected.isEmpty()) {
                problems.add(pm.id() + " spec.selector " + selector + " selects no rendered pod template");
            }
            for (Map<String, Object> endpoint : Y.maps(pm.body(), "spec", "podMetricsEndpoints")) {
                String port = Y.str(endpoint, "port");
                if (port == null) {
                    problems.add(pm.id() + " podMetricsEndpoint " + endpoint + " names no port (targetPort is deprecated)");
                    continue;
                }
                List<String> withPort = selected.stream().filter(w -> namesContainerPort(w, port)).map(Manifests.Workload::name).toList();
                if (withPort.isEmpty()) {
                    problems.add(pm.id() + " podMetricsEndpoint port " + port + " is a named container port of none of the selected pods "
                            + selected.stream().map(Manifests.Workload::name).toList());
                }
                scraped.addAll(withPort);
            }
        }
        Set<String> missing = new TreeSet<>(SCRAPED);
        missing.retainAll(profile.components());
        missing.removeAll(scraped);
        if (!missing.isEmpty()) {
            problems.add("no ServiceMonitor/PodMonitor endpoint scrapes " + missing);
        }
        assertThat(m.description(), problems, empty());
    }

    private static boolean namesContainerPort(Manifests.Workload w, String name) {
        return w.containers().stream().flatMap(c -> Y.maps(c, "ports").stream()).anyMatch(p -> name.equals(Y.str(p, "name")));
    }

    /**
     * The components the bundled Prometheus scrapes: those whose pods have a container port named admin or metrics
     * (pod discovery), and Loki (its static {@code loki} job, see LokiScrapeTest). The monitors must cover the same
     * (those rendered by the profile).
     */
    static final Set<String> SCRAPED = Set.of("order-service", "inventory-service", "payment-service", "load-generator",
            "otel-collector", "jaeger", "loki");
}
