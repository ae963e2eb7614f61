package dev.o11yshop.observability;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import io.helidon.http.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The strictness table of the shared JSON codec: every malformed or mistyped body is a 400 naming the field. */
class JsonTest {
    record Item(String sku, int quantity) {
    }

    record Order(String customerId, List<Item> items, Long version, Double ratio, Boolean gift) {
    }

    private static final String VALID = "{\"customerId\":\"cust-42\",\"items\":[{\"sku\":\"SKU-0001\",\"quantity\":2},"
            + "{\"sku\":\"SKU-0002\",\"quantity\":1}]}";

    @Test
    void parsesAValidBody() {
        Order order = parse(VALID);

        assertEquals("cust-42", order.customerId());
        assertEquals(List.of(new Item("SKU-0001", 2), new Item("SKU-0002", 1)), order.items());
    }

    @Test
    void ignoresUnknownFieldsAtEveryLevel() {
        Order order = parse("{\"customerId\":\"c\",\"extra\":{\"nested\":[1,2,{\"deep\":true}]},"
                                    + "\"items\":[{\"sku\":\"SKU-0001\",\"quantity\":3,\"colour\":\"red\"}]}");

        assertEquals(3, order.items().getFirst().quantity());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            // what                         | body                                                                    | field
            "string for int                 | {\"items\":[{\"sku\":\"S\",\"quantity\":\"2\"}]}                         | items[0].quantity",
            "float for int                  | {\"items\":[{\"sku\":\"S\",\"quantity\":2.5}]}                           | items[0].quantity",
            "integral float for int         | {\"items\":[{\"sku\":\"S\",\"quantity\":2.0}]}                           | items[0].quantity",
            "exponent for int               | {\"items\":[{\"sku\":\"S\",\"quantity\":2e0}]}                           | items[0].quantity",
            "null for primitive int         | {\"items\":[{\"sku\":\"S\",\"quantity\":null}]}                          | items[0].quantity",
            "boolean for int                | {\"items\":[{\"sku\":\"S\",\"quantity\":true}]}                          | items[0].quantity",
            "int overflow                   | {\"items\":[{\"sku\":\"S\",\"quantity\":2147483648}]}                    | items[0].quantity",
            "huge int                       | {\"items\":[{\"sku\":\"S\",\"quantity\":99999999999999999999999}]}       | items[0].quantity",
            "second element is wrong        | {\"items\":[{\"sku\":\"S\",\"quantity\":1},{\"sku\":\"T\",\"quantity\":\"x\"}]} | items[1].quantity",
            "object for string              | {\"customerId\":{\"id\":1}}                                              | customerId",
            "array for string               | {\"customerId\":[\"c\"]}                                                 | customerId",
            "object for array               | {\"items\":{\"sku\":\"S\"}}                                              | items",
            "string for array               | {\"items\":\"SKU-0001\"}                                                 | items",
            "string for Long                | {\"version\":\"7\"}                                                      | version",
            "huge Long                      | {\"version\":9223372036854775808}                                        | version",
            "float for Long                 | {\"version\":1.5}                                                        | version",
            "string for Double              | {\"ratio\":\"0.5\"}                                                      | ratio",
            "string for Boolean             | {\"gift\":\"true\"}                                                      | gift",
            "number for Boolean             | {\"gift\":1}                                                             | gift",
            "trailing object                | {\"customerId\":\"c\"} {}                                                | body",
            "trailing garbage               | {\"customerId\":\"c\"} x                                                 | body",
            "trailing comma                 | {\"customerId\":\"c\",}                                                  | body",
            "unterminated                   | {\"customerId\":                                                         | body",
            "single quotes                  | {'customerId':'c'}                                                       | body",
            "comment                        | /* hi */ {\"customerId\":\"c\"}                                          | body",
            "not JSON                       | customerId=c                                                             | body",
            "array body                     | []                                                                       | body",
            "string body                    | \"c\"                                                                    | body",
            "null body                      | null                                                                     | body",
    })
    void rejectsWithTheFieldAtFault(String what, String body, String field) {
        ProblemException problem = assertThrows(ProblemException.class, () -> parse(body), what);

        assertEquals(Status.BAD_REQUEST_400.code(), problem.status().code(), what);
        assertEquals("validation", problem.slug());
        assertEquals(1, problem.errors().size(), what);
        assertEquals(field, problem.errors().getFirst().field(), what);
        assertThat(problem.detail(), not(containsString("dev.o11yshop")));
        assertThat(problem.detail(), not(containsString("Exception")));
    }

    @Test
    void rejectsAnEmptyBody() {
        ProblemException problem = assertThrows(ProblemException.class, () -> Json.parse(new byte[0], Order.class));

        assertEquals(400, problem.status().code());
        assertEquals("body", problem.errors().getFirst().field());
    }

    @Test
    void namesOutOfRangeNumbers() {
        ProblemException problem = assertThrows(ProblemException.class,
                                                () -> parse("{\"items\":[{\"sku\":\"S\",\"quantity\":99999999999}]}"));

        assertEquals("items[0].quantity", problem.errors().getFirst().field());
        assertEquals("number out of range", problem.errors().getFirst().message());
    }

    /** Jackson limits numbers to 1,000 digits; a longer one must still be a 400, not a 500. */
    @ParameterizedTest
    @CsvSource({"quantity, 1001", "quantity, 5000", "ratio, 1001", "version, 20000"})
    void rejectsNumbersTooLongToParse(String field, int digits) {
        String number = "9".repeat(digits);
        String body = field.equals("quantity")
                ? "{\"items\":[{\"sku\":\"S\",\"quantity\":" + number + "}]}"
                : "{\"" + field + "\":" + number + "}";

        ProblemException problem = assertThrows(ProblemException.class, () -> parse(body));

        assertEquals(400, problem.status().code());
        assertEquals(1, problem.errors().size());
    }

    @Test
    void rejectsDeeplyNestedJsonAsA400() {
        String body = "{\"extra\":" + "[".repeat(5000) + "]".repeat(5000) + "}";

        ProblemException problem = assertThrows(ProblemException.class, () -> parse(body));

        assertEquals(400, problem.status().code());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "int for string     | {\"customerId\":42}                                  | customerId",
            "float for string   | {\"customerId\":4.2}                                 | customerId",
            "boolean for string | {\"customerId\":true}                                | customerId",
            "int for nested sku | {\"items\":[{\"sku\":1,\"quantity\":1}]}            | items[0].sku"})
    void rejectsScalarsWhereStringsAreExpected(String what, String body, String field) {
        ProblemException problem = assertThrows(ProblemException.class, () -> parse(body), what);

        assertEquals(field, problem.errors().getFirst().field());
    }

    @Test
    void serialisesWithoutNullsAndWithIsoInstants() {
        record View(String id, String absent, Instant at) {
        }

        String json = new String(Json.bytes(new View("v-1", null, Instant.parse("2025-01-02T03:04:05Z"))),
                                 StandardCharsets.UTF_8);

        assertEquals("{\"id\":\"v-1\",\"at\":\"2025-01-02T03:04:05Z\"}", json);
    }

    @Test
    void serialisesAProblemWithoutEmptyParts() {
        Problem problem = new Problem(Problem.TYPE_BASE + "not-found", "Resource not found", 404, "no such thing",
                                      "/x", "req-1", null, List.of());

        String json = new String(Json.bytes(problem), StandardCharsets.UTF_8);

        assertEquals("{\"type\":\"https://o11y-shop.dev/problems/not-found\",\"title\":\"Resource not found\","
                             + "\"status\":404,\"detail\":\"no such thing\",\"instance\":\"/x\",\"requestId\":\"req-1\"}",
                     json);
    }

    @Test
    void readsItsOwnProblems() {
        Problem problem = new Problem(Problem.TYPE_BASE + "validation", "Request is not valid", 400, "x: bad", "/x",
                                      "req-1", "4bf92f3577b34da6a3ce929d0e0e4736",
                                      List.of(new Problem.FieldError("x", "bad")));

        assertEquals(problem, Json.parse(Json.bytes(problem), Problem.class));
    }

    @Test
    void doesNotSetAFieldThatIsAbsent() {
        Order order = parse("{\"customerId\":\"c\"}");

        assertNull(order.items());
        assertNull(order.version());
    }

    private static Order parse(String body) {
        return Json.parse(body.getBytes(StandardCharsets.UTF_8), Order.class);
    }
}
