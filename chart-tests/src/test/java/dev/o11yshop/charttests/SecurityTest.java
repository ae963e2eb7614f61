package dev.o11yshop.charttests;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.o11yshop.charttests.Chart.Profile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;

/**
 * Restricted Pod Security Standard fields, resources, probes and ServiceAccounts of every pod the chart renders, the
 * {@code helm test} pod included ({@link Chart#renderWithHooks}).
 */
class SecurityTest {

    /** The restricted-PSS checks, each of which the exception list below can waive for one workload. */
    enum Check { RUN_AS_NON_ROOT, SECCOMP, NO_PRIVILEGE_ESCALATION, DROP_ALL_CAPABILITIES, NOT_PRIVILEGED, NO_HOST_NAMESPACES, NO_HOST_PATH }

    /** A documented exception: which checks are waived, which hostPaths may be mounted (read-only), and why. */
    record Waiver(Set<Check> waived, Set<String> hostPaths, String reason) {
    }

    /**
     * THE list of exceptions to the restricted Pod Security Standard (shared/PLATFORM.md, section 7). Anything not
     * here must pass every check. A waiver only allows; a workload that passes anyway (e.g. the collector with
     * otelCollector.logs.enabled=false) is fine.
     */
    static final Map<String, Waiver> PSS_EXCEPTIONS = Map.of(
            "otel-collector", new Waiver(EnumSet.of(Check.NO_HOST_PATH, Check.RUN_AS_NON_ROOT), Set.of("/var/log/pods"),
                    "the filelog receiver reads the namespace's pod logs from the node: that needs a hostPath volume "
                            + "(mounted read-only), and root because the kubelet writes those files root:root 0640"));

    /** Workloads whose pods need a ServiceAccount token: Prometheus (pod discovery), the collector (k8sattributes). */
    static final Set<String> TOKEN_ALLOWED = Set.of("prometheus", "otel-collector");

    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("dev.o11yshop.charttests.Chart#cases")
    void everyPodMeetsTheRestrictedPodSecurityStandard(Profile profile, String kubeVersion) {
        Manifests m = Chart.renderWithHooks(profile, kubeVersion);
        List<String> problems = new ArrayList<>();
        for (Manifests.Workload w : m.workloads()) {
            Waiver waiver = PSS_EXCEPTIONS.getOrDefault(w.name(), new Waiver(Set.of(), Set.of(), "none"));
            Map<String, Object> pod = w.podSpec();
            Map<String, Object> podSc = Y.map(pod, "securityContext");
            check(problems, waiver, Check.NO_HOST_NAMESPACES, w.id(), !Y.isTrue(pod, "hostNetwork") && !Y.isTrue(pod, "hostPID")
                    && !Y.isTrue(pod, "hostIPC"), "hostNetwork, hostPID and hostIPC must not be true");
            Map<String, String> hostPathVolumes = new HashMap<>();
            for (Map<String, Object> v : w.volumes()) {
                if (v.containsKey("hostPath")) {
                    String path = Y.str(v, "hostPath", "path");
                    hostPathVolumes.put(Y.str(v, "name"), path);
                    check(problems, waiver, Check.NO_HOST_PATH, w.id() + " volume " + Y.str(v, "name"),
                            false, "hostPath " + path + " is not allowed");
                    if (waiver.waived().contains(Check.NO_HOST_PATH) && !waiver.hostPaths().contains(path)) {
                        problems.add(w.id() + " volume " + Y.str(v, "name") + ": hostPath " + path
                                + " is not one of the waived paths " + waiver.hostPaths());
                    }
                }
            }
            for (Map<String, Object> c : w.allContainers()) {
                String at = w.id() + " container " + Y.str(c, "name");
                Map<String, Object> sc = Y.map(c, "securityContext");
                Object nonRoot = sc.containsKey("runAsNonRoot") ? sc.get("runAsNonRoot") : podSc.get("runAsNonRoot");
                Object uid = sc.containsKey("runAsUser") ? sc.get("runAsUser") : podSc.get("runAsUser");
                check(problems, waiver, Check.RUN_AS_NON_ROOT, at, Boolean.TRUE.equals(nonRoot)
                                && !(uid instanceof Number n && n.intValue() == 0),
                        "securityContext.runAsNonRoot must be true (pod or container) and runAsUser not 0, got runAsNonRoot="
                                + nonRoot + " runAsUser=" + uid);
                String seccomp = sc.containsKey("seccompProfile") ? Y.str(sc, "seccompProfile", "type") : Y.str(podSc, "seccompProfile", "type");
                check(problems, waiver, Check.SECCOMP, at, "RuntimeDefault".equals(seccomp) || "Localhost".equals(seccomp),
                        "seccompProfile.type must be RuntimeDefault (pod or container), got " + seccomp);
                check(problems, waiver, Check.NO_PRIVILEGE_ESCALATION, at, Boolean.FALSE.equals(sc.get("allowPrivilegeEscalation")),
                        "securityContext.allowPrivilegeEscalation must be false, got " + sc.get("allowPrivilegeEscalation"));
                List<Object> drop = Y.list(sc, "capabilities", "drop");
                List<Object> add = Y.list(sc, "capabilities", "add");
                check(problems, waiver, Check.DROP_ALL_CAPABILITIES, at, drop.contains("ALL") && add.stream().allMatch("NET_BIND_SERVICE"::equals),
                        "securityContext.capabilities.drop must contain ALL and add at most NET_BIND_SERVICE, got drop=" + drop + " add=" + add);
                check(problems, waiver, Check.NOT_PRIVILEGED, at, !Y.isTrue(sc, "privileged"), "securityContext.privileged must not be true");
                for (Map<String, Object> port : Y.maps(c, "ports")) {
                    check(problems, waiver, Check.NO_HOST_NAMESPACES, at, !port.containsKey("hostPort"),
                            "port " + Y.str(port, "name") + " must not set hostPort");
                }
                for (Map<String, Object> mount : Y.maps(c, "volumeMounts")) {
                    if (hostPathVolumes.containsKey(Y.str(mount, "name")) && !Y.isTrue(mount, "readOnly")) {
                        problems.add(at + " mounts hostPath volume " + Y.str(mount, "name") + " without readOnly: true");
                    }
                }
            }
        }
        assertThat(m.description(), problems, empty());
    }

    private static void check(List<String> problems, Waiver waiver, Check check, String at, boolean ok, String message) {
        if (!ok && !waiver.waived().contains(check)) {
            problems.add(at + ": " + message);
        }
    }

    /**
     * THE list of pods exempt from probes (their containers still need resources). Init containers are exempt too:
     * Kubernetes rejects probes there.
     */
    static final Map<String, String> PROBE_EXEMPTIONS = Map.of(
            Chart.HELM_TEST_POD, "the helm test pod runs one command (load-generator verify) to completion; a probe "
                    + "would only add restarts (chart README, security exception 3)");

    /**
     * Every container (init containers included) sets requests and limits for cpu and memory; every long-running
     * container has a readiness and a liveness probe, except the {@link #PROBE_EXEMPTIONS}.
     */
    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("dev.o11yshop.charttests.Chart#cases")
    void everyContainerHasResourcesAndProbes(Profile profile, String kubeVersion) {
        Manifests m = Chart.renderWithHooks(profile, kubeVersion);
        List<String> problems = new ArrayList<>();
        for (Manifests.Workload w : m.workloads()) {
            for (Map<String, Object> c : w.allContainers()) {
                String at = w.id() + " container " + Y.str(c, "name");
                for (String bound : List.of("requests", "limits")) {
                    for (String resource : List.of("cpu", "memory")) {
                        if (Y.get(c, "resources", bound, resource) == null) {
                            problems.add(at + ": resources." + bound + "." + resource + " is missing");
                        }
                    }
                }
            }
            if (w.isTestHook() && PROBE_EXEMPTIONS.containsKey(w.name())) {
                continue;
            }
            for (Map<String, Object> c : w.containers()) {
                for (String probe : List.of("readinessProbe", "livenessProbe")) {
                    if (!(c.get(probe) instanceof Map)) {
                        problems.add(w.id() + " container " + Y.str(c, "name") + ": " + probe + " is missing");
                    }
                }
            }
        }
        assertThat(m.description(), problems, empty());
    }

    @ParameterizedTest(name = "{0} @ {1}")
    @MethodSource("dev.o11yshop.charttests.Chart#cases")
    void everyComponentHasItsOwnServiceAccountAndNoTokenUnlessAllowed(Profile profile, String kubeVersion) {
        Manifests m = Chart.renderWithHooks(profile, kubeVersion);
        List<String> problems = new ArrayList<>();
        Map<String, String> owner = new HashMap<>();
        for (Manifests.Workload w : m.workloads()) {
            String sa = Y.str(w.podSpec(), "serviceAccountName");
            if (sa == null || sa.isBlank() || "default".equals(sa)) {
                problems.add(w.id() + ": serviceAccountName must name the component's own ServiceAccount, got " + sa);
                continue;
            }
            String previous = owner.putIfAbsent(sa, w.id());
            if (previous != null) {
                problems.add(w.id() + " shares ServiceAccount " + sa + " with " + previous);
            }
            Object podAutomount = w.podSpec().get("automountServiceAccountToken");
            Optional<Manifests.Doc> account = m.find("ServiceAccount", sa);
            Object saAutomount = account.map(a -> a.body().get("automountServiceAccountToken")).orElse(null);
            boolean mounted = podAutomount != null ? Boolean.TRUE.equals(podAutomount)
                    : saAutomount == null || Boolean.TRUE.equals(saAutomount);
            if (mounted && !TOKEN_ALLOWED.contains(w.name())) {
                problems.add(w.id() + " mounts a ServiceAccount token (pod automountServiceAccountToken=" + podAutomount
                        + ", ServiceAccount " + sa + " automountServiceAccountToken=" + saAutomount + ") but only " + TOKEN_ALLOWED + " may");
            }
        }
        assertThat(m.description(), problems, empty());
    }
}
