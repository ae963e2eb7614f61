package dev.o11yshop.loadgen.alerting;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.o11yshop.loadgen.alerting.PrometheusStack.LocalPod;
import dev.o11yshop.observability.RequiredInCi;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The derived files as Prometheus 2.42's and Alertmanager 0.25's own checkers see them: {@code promtool check config}
 * (which also checks the file_sd targets file it names), {@code promtool check rules} on the derived rule files and
 * {@code amtool check-config}. Skipped on a developer machine without the tools, failed in CI.
 */
class DerivedConfigsPromtoolTest {
    private static final Path PROMTOOL = Path.of("/usr/bin/promtool");
    private static final Path AMTOOL = Path.of("/usr/bin/amtool");

    @ParameterizedTest
    @ValueSource(longs = {1, 24})
    void promtoolAndAmtoolAcceptTheDerivedFiles(long timeFactor, @TempDir Path dir) throws Exception {
        RequiredInCi.executable(PROMTOOL, "apt-get install prometheus");
        RequiredInCi.executable(AMTOOL, "apt-get install prometheus-alertmanager");
        List<LocalPod> pods = new ArrayList<>();
        for (String service : List.of("order-service", "inventory-service", "payment-service")) {
            pods.add(new LocalPod(service, Map.of("http", 18080, "admin", 19090)));
        }
        pods.add(new LocalPod("load-generator", Map.of("admin", 19095)));
        DerivedConfigs.writeConfigs(ChartConfig.bundled(), dir, pods, Map.of("loki:3100", "127.0.0.1:13100"),
                                     URI.create("http://127.0.0.1:19095/alerts"), timeFactor, 19093, 19099);

        assertAccepted(dir, PROMTOOL.toString(), "check", "config", dir.resolve("prometheus.yml").toString());
        List<String> rules = new ArrayList<>(List.of(PROMTOOL.toString(), "check", "rules"));
        try (Stream<Path> files = Files.list(dir.resolve(DerivedConfigs.CHART_RULES_DIR))) {
            files.map(Path::toString).sorted().forEach(rules::add);
        }
        assertTrue(rules.size() > 3, "rule files were written: " + rules);
        assertAccepted(dir, rules.toArray(String[]::new));
        assertAccepted(dir, AMTOOL.toString(), "check-config", dir.resolve("alertmanager.yml").toString());
    }

    private static void assertAccepted(Path dir, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), String.join(" ", command) + " ended");
        assertEquals(0, process.exitValue(), String.join(" ", command) + ":\n" + output);
    }
}
