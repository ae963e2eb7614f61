package dev.o11yshop.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import io.helidon.http.WritableHeaders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.MDC;

/** X-Request-ID: a caller's sane token (at most 64 of [A-Za-z0-9._-]) is kept, anything else is replaced. */
class RequestIdTest {
    private static final String SIXTY_FOUR = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ._";

    @AfterEach
    void clearMdc() {
        MDC.remove(RequestId.MDC_KEY);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "req-1", "REQ_1.2-3", "123e4567-e89b-12d3-a456-426614174000", SIXTY_FOUR, "-", "..."})
    void keepsSaneIds(String id) {
        assertEquals(64, SIXTY_FOUR.length());
        assertTrue(RequestId.isSane(id), id);
        assertEquals(id, RequestId.from(headers(id)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "has space", " leading", "trailing ", "a/b", "a:b", "a;b", "a\"b", "a=b", "tab\there",
            "new\nline", "cr\rlf", "null\u0000byte", "ünï", "emoji\uD83D\uDE00", SIXTY_FOUR + "-",
            "{\"json\":1}", "<script>", "a%20b"})
    void replacesInsaneIds(String id) {
        assertFalse(RequestId.isSane(id), id);

        String assigned = RequestId.from(headers(id));

        assertNotEquals(id, assigned);
        assertTrue(RequestId.isSane(assigned), assigned);
    }

    @Test
    void rejectsNull() {
        assertFalse(RequestId.isSane(null));
    }

    @Test
    void generatesAFreshSaneIdWhenThereIsNone() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            String id = RequestId.from(WritableHeaders.create());
            assertTrue(RequestId.isSane(id), id);
            UUID uuid = UUID.fromString(id);
            assertEquals(4, uuid.version(), id);
            assertEquals(2, uuid.variant(), id);
            ids.add(id);
        }
        assertEquals(1_000, ids.size(), "generated ids are unique");
    }

    @Test
    void readsTheCurrentIdFromTheMdc() {
        assertTrue(RequestId.current().isEmpty());

        MDC.put(RequestId.MDC_KEY, "req-7");

        assertEquals("req-7", RequestId.current().orElseThrow());
    }

    private static WritableHeaders<?> headers(String requestId) {
        return WritableHeaders.create().set(RequestId.HEADER, requestId);
    }
}
