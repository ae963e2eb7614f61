package dev.o11yshop.charttests;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.o11yshop.charttests.Chart.Profile;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * What the profiles ask of a cluster: the default profile requests at most 2 GiB of memory in all, and the small
 * profile fits a 4 GiB minikube (its requests leave room for the system pods, its limits stay under 3 GiB). Prints
 * the totals (requests and limits of cpu and memory, replicas counted; the helm test pod apart, as it runs briefly).
 */
class ResourceBudgetTest {
    private static final long MIB = 1024 * 1024;

    /** Totals of one profile, in millicores and bytes. */
    record Totals(long cpuRequests, long memoryRequests, long cpuLimits, long memoryLimits) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "requests %d m cpu, %d MiB memory; limits %d m cpu, %d MiB memory",
                                 cpuRequests, memoryRequests / MIB, cpuLimits, memoryLimits / MIB);
        }
    }

    @Test
    void theDefaultProfileRequestsAtMostTwoGibibytes() {
        Totals totals = totals(Profile.DEFAULT);
        System.out.println("default profile: " + totals);
        assertThat("default profile memory requests (MiB)", totals.memoryRequests() / MIB, lessThanOrEqualTo(2048L));
    }

    @Test
    void theSmallProfileFitsAFourGibibyteMinikube() {
        Totals totals = totals(Profile.SMALL);
        System.out.println("small profile: " + totals);
        // minikube's own pods request about 0.4 GiB of its 4 GiB; the rest is the platform's, with headroom.
        assertThat("small profile memory requests (MiB)", totals.memoryRequests() / MIB, lessThanOrEqualTo(1536L));
        assertThat("small profile memory limits (MiB)", totals.memoryLimits() / MIB, lessThanOrEqualTo(3072L));
        assertThat("small profile cpu requests (m) on a 2-cpu minikube", totals.cpuRequests(), lessThanOrEqualTo(1000L));
    }

    @Test
    void quantitiesParseAsKubernetesWritesThem() {
        assertEquals(100, millicores("100m"));
        assertEquals(1500, millicores("1.5"));
        assertEquals(2000, millicores(2));
        assertEquals(256 * MIB, bytes("256Mi"));
        assertEquals(2L * 1024 * MIB, bytes("2Gi"));
        assertEquals(500_000_000L, bytes("500M"));
        assertEquals(1024, bytes("1Ki"));
        assertThrows(IllegalArgumentException.class, () -> bytes("256 MB"));
    }

    private static Totals totals(Profile profile) {
        long cpuRequests = 0;
        long memoryRequests = 0;
        long cpuLimits = 0;
        long memoryLimits = 0;
        for (Manifests.Workload workload : Chart.render(profile, Chart.KUBE_NEWEST).workloads()) {
            Object replicas = Y.get(workload.doc().body(), "spec", "replicas");
            long count = replicas instanceof Number n ? n.longValue() : 1;
            for (Map<String, Object> container : workload.containers()) {
                cpuRequests += count * millicores(Y.get(container, "resources", "requests", "cpu"));
                memoryRequests += count * bytes(Y.get(container, "resources", "requests", "memory"));
                cpuLimits += count * millicores(Y.get(container, "resources", "limits", "cpu"));
                memoryLimits += count * bytes(Y.get(container, "resources", "limits", "memory"));
            }
        }
        return new Totals(cpuRequests, memoryRequests, cpuLimits, memoryLimits);
    }

    private static long millicores(Object quantity) {
        String text = String.valueOf(quantity);
        if (text.endsWith("m")) {
            return Long.parseLong(text.substring(0, text.length() - 1));
        }
        return new BigDecimal(text).movePointRight(3).longValueExact();
    }

    private static final Pattern MEMORY = Pattern.compile("(\\d+(?:\\.\\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?");
    private static final Map<String, Long> UNITS = Map.of("Ki", 1024L, "Mi", MIB, "Gi", 1024 * MIB, "Ti", 1024 * 1024 * MIB,
                                                          "k", 1_000L, "M", 1_000_000L, "G", 1_000_000_000L,
                                                          "T", 1_000_000_000_000L);

    private static long bytes(Object quantity) {
        Matcher m = MEMORY.matcher(String.valueOf(quantity));
        if (!m.matches()) {
            throw new IllegalArgumentException("not a memory quantity: " + quantity);
        }
        long unit = m.group(2) == null ? 1 : UNITS.get(m.group(2));
        return new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit)).longValue();
    }
}
