package dev.o11yshop.observability;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webclient.http1.Http1ClientRequest;
import io.helidon.webclient.http1.Http1ClientResponse;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.DirectClient;
import io.helidon.webserver.testing.junit5.RoutingTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * {@code ADMIN_TOKEN}: with a token, changing faults needs it; reading them does not; without one, the admin socket is
 * open and says so once at start. {@code /faults} guards the test's shared fault injection; {@code /open/faults} is
 * the same service with no token.
 */
@RoutingTest
class AdminTokenTest {
    private static final String TOKEN = "s3cret-admin-token";
    private static final String FAULTS = "{\"latencyJitterMs\":1}";

    private final DirectClient admin;

    AdminTokenTest(DirectClient admin) {
        this.admin = admin;
    }

    @SetUpRoute
    static void admin(HttpRouting.Builder routing) {
        routing.addFilter(RequestId.filter());
        routing.register("/faults", new FaultsService(TestObservability.OBSERVABILITY.faults(), AdminToken.of(TOKEN)));
        routing.register("/open/faults", new FaultsService(TestObservability.OBSERVABILITY.faults(), AdminToken.NONE));
        ProblemHandlers.register(routing);
    }

    @AfterEach
    void clearFaults() {
        TestObservability.OBSERVABILITY.faults().set(Faults.NONE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Bearer wrong", "Bearer " + TOKEN + "x", "Bearer s3cret", "Basic czNjcmV0", TOKEN})
    void changingFaultsWithoutTheTokenIs401(String authorization) throws IOException {
        for (Method method : List.of(Method.PUT, Method.DELETE)) {
            TestObservability.OBSERVABILITY.faults().set(new Faults(0, 0, 2, false));
            Http1ClientRequest request = admin.method(method).path("/faults");
            if (!authorization.isEmpty()) {
                request.header(HeaderNames.AUTHORIZATION, authorization);
            }
            try (Http1ClientResponse response = method == Method.PUT ? request.submit(FAULTS) : request.request()) {
                String body = response.as(String.class);
                assertEquals(401, response.status().code(), method + " " + body);
                assertEquals("Bearer", response.headers().first(HeaderNames.WWW_AUTHENTICATE).orElse(null));
                assertThat(response.headers().first(HeaderNames.CONTENT_TYPE).orElse(""), startsWith(ProblemHandlers.PROBLEM_JSON));
                JsonNode problem = Json.MAPPER.readTree(body);
                assertEquals(Problem.TYPE_BASE + "unauthorized", problem.path("type").asText());
                assertThat(body, not(containsString(TOKEN)));
            }
            assertEquals(new Faults(0, 0, 2, false), TestObservability.OBSERVABILITY.faults().current(),
                         method + " without the token changes nothing");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer " + TOKEN, "bearer " + TOKEN, "Bearer  " + TOKEN + " "})
    void theRightTokenChangesFaults(String authorization) {
        try (Http1ClientResponse response = admin.put("/faults")
                .header(HeaderNames.AUTHORIZATION, authorization)
                .submit(FAULTS)) {
            assertEquals(200, response.status().code(), response.as(String.class));
        }
        assertEquals(new Faults(0, 0, 1, false), TestObservability.OBSERVABILITY.faults().current());

        try (Http1ClientResponse response = admin.delete("/faults").header(HeaderNames.AUTHORIZATION, authorization).request()) {
            assertEquals(200, response.status().code());
        }
        assertEquals(Faults.NONE, TestObservability.OBSERVABILITY.faults().current());
    }

    @Test
    void readingFaultsNeedsNoToken() {
        try (Http1ClientResponse response = admin.get("/faults").request()) {
            assertEquals(200, response.status().code());
        }
    }

    @Test
    void withoutATokenChangingFaultsIsOpen() {
        try (Http1ClientResponse response = admin.put("/open/faults").submit(FAULTS)) {
            assertEquals(200, response.status().code(), response.as(String.class));
        }
        assertEquals(new Faults(0, 0, 1, false), TestObservability.OBSERVABILITY.faults().current());
    }

    @Test
    void anUnsetTokenIsWarnedAboutOnceAndASetOneIsNeverLogged() {
        Logger logger = (Logger) LoggerFactory.getLogger(AdminToken.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        try {
            AdminToken set = AdminToken.from(Config.just(ConfigSources.create(Map.of("admin.token", TOKEN))));
            assertTrue(set.isSet());
            assertThat(set.toString(), not(containsString(TOKEN)));
            assertEquals(List.of(), logged.list, "a set token logs nothing");

            assertFalse(AdminToken.from(Config.just(ConfigSources.create(Map.of("admin.token", " ")))).isSet());
            assertEquals(1, logged.list.size());
            ILoggingEvent warning = logged.list.getFirst();
            assertEquals(Level.WARN, warning.getLevel());
            assertEquals("admin_unprotected", warning.getMessage());
        } finally {
            logger.detachAppender(logged);
        }
    }
}
