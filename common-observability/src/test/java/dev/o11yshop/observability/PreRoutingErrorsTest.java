package dev.o11yshop.observability;

import static dev.o11yshop.observability.Eventually.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * Requests Helidon rejects before routing, and bodies that never arrive whole, sent as raw bytes over a socket to a
 * server wired like {@code ShopServer} ({@link ProblemDirectHandlers}): each is a 4xx problem+json, never a 5xx, and
 * none logs an ERROR.
 */
@ServerTest
class PreRoutingErrorsTest {
    private static final String ADMIN = "admin";
    /** Bodies the echo route read completely; a cut-off body must never count here. */
    private static final AtomicInteger BODIES_READ = new AtomicInteger();

    private final int port;
    private final int adminPort;
    private ListAppender<ILoggingEvent> logged;

    PreRoutingErrorsTest(WebServer server) {
        this.port = server.port();
        this.adminPort = server.port(ADMIN);
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) {
        server.featuresDiscoverServices(false)
                .directHandlers(ProblemDirectHandlers.create());
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        TestObservability.OBSERVABILITY.api(routing);
        TestObservability.OBSERVABILITY.register(routing, "/api/products", rules -> rules
                .get("/{sku}", (req, res) -> res.send(req.path().pathParameters().get("sku")))
                .post("/", (req, res) -> {
                    byte[] body = Json.readBytes(req);
                    BODIES_READ.incrementAndGet();
                    res.send("read " + body.length);
                }));
    }

    @SetUpRoute(ADMIN)
    static void admin(HttpRouting.Builder routing) {
        TestObservability.OBSERVABILITY.admin(routing);
    }

    @BeforeEach
    void captureLogs() {
        logged = new ListAppender<>();
        logged.start();
        root().addAppender(logged);
    }

    @AfterEach
    void noErrorWasLogged() {
        TestObservability.settle();
        root().detachAppender(logged);
        List<String> errors = logged.list.stream()
                .filter(event -> event.getLevel().isGreaterOrEqual(Level.ERROR))
                .map(event -> event.getLoggerName() + ": " + event.getFormattedMessage())
                .toList();
        assertEquals(List.of(), errors, "ERROR log lines");
    }

    @Test
    void aUriTooLongIs414() throws IOException {
        Response response = exchange("GET /api/products/" + "x".repeat(10_000) + " HTTP/1.1\r\nHost: t\r\n\r\n");

        JsonNode problem = response.problem(414);
        assertEquals(Problem.TYPE_BASE + "uri-too-long", problem.path("type").asText());
        assertTrue(problem.path("instance").isMissingNode(), "a 10 KB URI is not echoed: " + problem);
        assertTrue(problem.path("requestId").isTextual(), problem.toString());
    }

    @Test
    void theServerWideHandlersCoverTheAdminSocketToo() throws IOException {
        Response response = exchange(adminPort, "PUT /faults/" + "x".repeat(10_000) + " HTTP/1.1\r\nHost: t\r\n\r\n");

        assertEquals(Problem.TYPE_BASE + "uri-too-long", response.problem(414).path("type").asText());
    }

    /** Bad percent-encodings, then bad headers; {@code |} stands for CRLF. */
    @ParameterizedTest
    @ValueSource(strings = {
            "GET /api/products/%ZZ HTTP/1.1|Host: t",
            "GET /api/products/% HTTP/1.1|Host: t",
            "GET /api/products/a%2 HTTP/1.1|Host: t",
            "GET /api/products/SKU-0001 HTTP/1.1|Host: t|No colon here",
            "GET /api/products/SKU-0001 HTTP/1.1|Host: t|Bad Name: x",
            "GET /api/products/SKU-0001 HTTP/1.1|Host: t|Content-Length: many"})
    void aMalformedRequestIs400(String head) throws IOException {
        Response response = exchange(head.replace("|", "\r\n") + "\r\n\r\n");

        JsonNode problem = response.problem(400);
        assertEquals(Problem.TYPE_BASE + "bad-request", problem.path("type").asText());
        assertThat(problem.path("instance").asText("/api/products"), startsWith("/api/products"));
    }

    @Test
    void theRequestIdOfAPreRoutingErrorIsTheCallersWhenSane() throws IOException {
        Response response = exchange("GET /api/products/%ZZ HTTP/1.1\r\nHost: t\r\nX-Request-ID: caller-id-7\r\n\r\n");

        JsonNode problem = response.problem(400);
        // The prologue fails before the headers are read, so the caller's id cannot be known yet: a new one is made.
        assertTrue(RequestId.isSane(problem.path("requestId").asText()), problem.toString());
        assertEquals(problem.path("requestId").asText(), response.headers().get("x-request-id"));

        Response badHeader = exchange("GET /api/products/SKU-0001 HTTP/1.1\r\nHost: t\r\nX-Request-ID: caller-id-7\r\n"
                                              + "Content-Length: many\r\n\r\n");
        assertEquals("caller-id-7", badHeader.problem(400).path("requestId").asText());
    }

    @Test
    void aBodyCutOffMidStreamIs400NotA500() throws IOException {
        int readBefore = BODIES_READ.get();
        try (Socket socket = socket()) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/products HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 100\r\n\r\n{\"sku\":").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            socket.shutdownOutput();

            Response response = Response.read(socket.getInputStream());
            JsonNode problem = response.problem(400);
            assertEquals(Problem.TYPE_BASE + "incomplete-body", problem.path("type").asText());
            assertEquals("body", problem.path("errors").path(0).path("field").asText(), problem.toString());
        }
        assertEquals(readBefore, BODIES_READ.get(), "a cut-off body is never handed to the handler");
    }

    @Test
    void aChunkedBodyCutOffMidStreamIs400NotA500() throws IOException {
        try (Socket socket = socket()) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/products HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "40\r\n{\"sku\":").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            socket.shutdownOutput();

            assertThat(Response.read(socket.getInputStream()).problem(400).path("status").asInt(), lessThan(500));
        }
    }

    @Test
    void aClientThatAbortsMidBodyGetsNoAnswerAndLeavesNoError() throws Exception {
        long before = countedPosts("499");
        try (Socket socket = socket()) {
            socket.setSoLinger(true, 0);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/products HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n{\"sku\":")
                              .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // Abort only once the handler is waiting for the rest: a reset before that discards the unread request.
            eventually(() -> assertEquals(1, TestObservability.OBSERVABILITY.admission().inProgress()));
        }
        // Nothing is answered, and the request is still observed: as 499 (client closed request) under its route.
        eventually(() -> assertTrue(countedPosts("499") > before, "the aborted request was never completed"));
    }

    @Test
    void aBodyOver64KibIsStill413() throws IOException {
        Response declared = exchange("POST /api/products HTTP/1.1\r\nHost: t\r\nContent-Length: " + (Json.MAX_BODY_BYTES + 1)
                                             + "\r\nConnection: close\r\n\r\n");
        assertEquals(Problem.TYPE_BASE + "payload-too-large", declared.problem(413).path("type").asText());

        String chunk = "x".repeat(16 * 1024);
        String chunked = ("%x\r\n%s\r\n".formatted(chunk.length(), chunk)).repeat(5) + "0\r\n\r\n";
        Response streamed = exchange("POST /api/products HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
                                             + "Connection: close\r\n\r\n" + chunked);
        assertEquals(Problem.TYPE_BASE + "payload-too-large", streamed.problem(413).path("type").asText());
    }

    @Test
    void aWellFormedRequestStillWorks() throws IOException {
        Response response = exchange("GET /api/products/SKU-0001 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");

        assertEquals(200, response.status(), response.body());
        assertEquals("SKU-0001", response.body());
    }

    private static long countedPosts(String status) {
        return MetricsProbe.counter("http_requests_total", Map.of("method", "POST", "endpoint", "/api/products", "status", status));
    }

    private Socket socket() throws IOException {
        return socket(port);
    }

    private static Socket socket(int port) throws IOException {
        Socket socket = new Socket("localhost", port);
        socket.setSoTimeout(10_000);
        return socket;
    }

    private Response exchange(String request) throws IOException {
        return exchange(port, request);
    }

    private static Response exchange(int port, String request) throws IOException {
        try (Socket socket = socket(port)) {
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request.getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (SocketException e) {
                // The server may answer and close before it has read everything (a 414 stops reading at the limit).
            }
            return Response.read(socket.getInputStream());
        }
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    /** A raw HTTP/1.1 response, read up to its Content-Length. */
    private record Response(int status, Map<String, String> headers, String body) {
        static Response read(InputStream in) throws IOException {
            String statusLine = line(in);
            assertThat("no response, the connection was closed", statusLine, startsWith("HTTP/1.1 "));
            Map<String, String> headers = new LinkedHashMap<>();
            for (String header = line(in); !header.isEmpty(); header = line(in)) {
                int colon = header.indexOf(':');
                headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
            }
            int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
            String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
            return new Response(Integer.parseInt(statusLine.substring(9, 12)), headers, body);
        }

        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b != -1 && b != '\n'; b = in.read()) {
                if (b != '\r') {
                    line.write(b);
                }
            }
            return line.toString(StandardCharsets.US_ASCII);
        }

        /** The problem document of an answer that must have {@code expected} status. */
        JsonNode problem(int expected) throws IOException {
            assertEquals(expected, status, headers + " " + body);
            assertThat(headers.getOrDefault("content-type", ""), startsWith(ProblemHandlers.PROBLEM_JSON));
            JsonNode problem = Json.MAPPER.readTree(body);
            assertEquals(expected, problem.path("status").asInt(), body);
            assertTrue(problem.path("title").isTextual() && problem.path("detail").isTextual(), body);
            return problem;
        }
    }
}
