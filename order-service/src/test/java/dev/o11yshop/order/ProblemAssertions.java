package dev.o11yshop.order;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import dev.o11yshop.observability.Problem;

/** The contract's answers: RFC 9457 problems with request and trace ids, and no card number anywhere. */
final class ProblemAssertions {
    static final String PROBLEM_JSON = "application/problem+json";
    private static final Pattern TRACE_ID = Pattern.compile("[0-9a-f]{32}");
    private static final Pattern SANE_REQUEST_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private ProblemAssertions() {
    }

    /** A problem of this status and type, carrying the ids a user quotes, and nothing internal. */
    static JsonNode assertProblem(Reply reply, int status, String slug) {
        assertEquals(status, reply.status(), reply.toString());
        assertThat(reply.toString(), reply.contentType(), startsWith(PROBLEM_JSON));
        JsonNode problem = reply.json();
        assertAll(reply.toString(),
                  () -> assertEquals(Problem.TYPE_BASE + slug, problem.path("type").asText()),
                  () -> assertFalse(problem.path("title").asText().isBlank(), "title"),
                  () -> assertEquals(status, problem.path("status").asInt()),
                  () -> assertTrue(problem.path("status").isInt(), "status is a number"),
                  () -> assertFalse(problem.path("detail").asText().isBlank(), "detail"),
                  () -> assertTrue(SANE_REQUEST_ID.matcher(problem.path("requestId").asText()).matches(), "requestId"),
                  () -> assertTrue(TRACE_ID.matcher(problem.path("traceId").asText()).matches(), "traceId"),
                  () -> assertThat(reply.body(), not(containsString("Exception"))),
                  () -> assertThat(reply.body(), not(containsString("\tat "))),
                  () -> assertThat(reply.body(), not(containsString("dev.o11yshop"))));
        return problem;
    }

    /** Every API answer names its request: a sane {@code X-Request-ID}. */
    static void assertRequestId(Reply reply) {
        assertTrue(reply.requestId() != null && SANE_REQUEST_ID.matcher(reply.requestId()).matches(),
                   "X-Request-ID missing or not sane: " + reply.requestId() + " on " + reply);
    }

    /** The card number is never echoed, in any answer. */
    static void assertNoCardNumber(Reply reply, String card) {
        assertThat(reply.body(), not(containsString(card)));
    }
}
