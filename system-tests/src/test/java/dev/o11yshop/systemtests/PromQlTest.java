package dev.o11yshop.systemtests;

import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link PromQl#metricNames}: only metric names, never functions, keywords, labels, numbers or strings. */
class PromQlTest {
    @Test
    void plainSelectorsAndRecordingRules() {
        assertEquals(Set.of("up"), PromQl.metricNames("up"));
        assertEquals(Set.of("job:http_requests_5xx:rate5m", "job:http_requests:rate5m"),
                     PromQl.metricNames("job:http_requests_5xx:rate5m / (job:http_requests:rate5m > 0)"));
    }

    @Test
    void functionsAggregationsAndLabelListsAreSkipped() {
        assertEquals(Set.of("http_request_duration_seconds_bucket"), PromQl.metricNames("""
                histogram_quantile(0.99,
                  sum by (namespace, job, method, endpoint, le) (rate(http_request_duration_seconds_bucket[5m])))"""));
        assertEquals(Set.of("http_requests_total"),
                     PromQl.metricNames("sum without(instance, pod) (increase(http_requests_total[1h])) by (job)"));
        assertEquals(Set.of("a_total", "b_info"), PromQl.metricNames(
                "rate(a_total[5m]) * on (job, instance) group_left (version) b_info"));
        assertEquals(Set.of("a", "b", "c"), PromQl.metricNames("a and ignoring(x) b or on() c unless bool a"));
        assertEquals(Set.of("x"), PromQl.metricNames("topk(5, x) > bool 1e3 and x < Inf or x != NaN"));
    }

    @Test
    void labelMatchersStringsAndDurationsAreSkipped() {
        assertEquals(Set.of("http_requests_total"), PromQl.metricNames(
                "sum(rate(http_requests_total{job=~\"order-service|payment-service\", status=~\"5..\", endpoint!=\"unmatched\"}[5m:30s] offset 1h))"));
        assertEquals(Set.of("m"), PromQl.metricNames(
                "label_replace(m{a='x,y}'}, \"dst\", \"$1\", \"src\", \"(.*)\") @ start()"));
        assertEquals(Set.of("some_metric"), PromQl.metricNames("{__name__=\"some_metric\", job=\"x\"}"));
        assertEquals(Set.of(), PromQl.metricNames("{__name__=~\"some_.*\"} # a regex names no one metric"));
        assertEquals(Set.of("m"), PromQl.metricNames("m offset -5m # comment with words and not_a_metric\n"));
    }

    @Test
    void grafanaVariablesAreSkipped() {
        assertEquals(Set.of("http_requests_total"), PromQl.metricNames(
                "sum(rate(http_requests_total{job=\"$service\", endpoint=~\"${endpoint:regex}\"}[$__rate_interval]))"));
        assertEquals(Set.of("x"), PromQl.metricNames("x{job=$job} offset $__interval"));
    }

    @Test
    void numbersAreNotNames() {
        assertEquals(Set.of("x"), PromQl.metricNames("x * 0x1F + 1.5e-3 - .5 + 14.4 * (1 - 0.999)"));
    }

    @Test
    void brokenExpressionsAreReported() {
        assertThrows(IllegalArgumentException.class, () -> PromQl.metricNames("x{job=\"a}"));
        assertThrows(IllegalArgumentException.class, () -> PromQl.metricNames("rate(x[5m)"));
    }
}
