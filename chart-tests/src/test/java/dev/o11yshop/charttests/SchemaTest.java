package dev.o11yshop.charttests;

import java.io.IOException;
import java.nio.file.Path;

import dev.o11yshop.charttests.Chart.Profile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** values.schema.json rejects what the chart cannot render correctly; the same mechanism accepts a valid override. */
class SchemaTest {

    @Test
    void aValidOverrideRenders() throws IOException {
        String rendered = Chart.template(Profile.DEFAULT, Chart.KUBE_NEWEST, Chart.valuesFile("orderService:\n  replicas: 2\n"));
        Manifests m = Manifests.parse("orderService.replicas=2", rendered);
        Object replicas = Y.get(m.find("Deployment", "order-service").orElseThrow().body(), "spec", "replicas");
        assertThat("Deployment order-service spec.replicas with orderService.replicas=2", replicas, is(2));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            negative replica count       | 'orderService:\n  replicas: -1\n'              | replicas
            wrong type                   | 'orderService:\n  replicas: three\n'           | replicas
            wrong type of nested object  | 'loki:\n  retention: 7\n'                      | retention
            unknown top-level key        | 'noSuchComponent:\n  enabled: true\n'          | noSuchComponent
            unknown nested key           | 'orderService:\n  replicaCount: 2\n'           | replicaCount
            unknown key in nested object | 'jaeger:\n  image:\n    tagg: "2.1.0"\n'       | tagg
            no concurrency limit         | 'orderService:\n  maxConcurrentRequests: 0\n'  | maxConcurrentRequests
            env outrunning the grace     | 'paymentService:\n  env:\n    SHUTDOWN_TIMEOUT_MS: 60000\n' | SHUTDOWN_TIMEOUT_MS
            token in plain env           | 'orderService:\n  env:\n    ADMIN_TOKEN: secret\n' | ADMIN_TOKEN
            invalid Secret name          | 'shop:\n  adminToken:\n    existingSecret: My_Token\n' | existingSecret
            """)
    void schemaViolationsFailTheRender(String what, String yaml, String key) throws IOException {
        Path file = Chart.valuesFile(yaml.replace("\\n", "\n"));
        Exception e = assertThrows(Exception.class, () -> Chart.template(Profile.DEFAULT, Chart.KUBE_NEWEST, file),
                what + ": helm template with\n" + yaml.replace("\\n", "\n") + "must fail values.schema.json validation");
        assertThat(what + ": the error names the offending key", String.valueOf(e.getMessage()), containsString(key));
    }
}
