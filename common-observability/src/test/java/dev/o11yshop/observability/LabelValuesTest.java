package dev.o11yshop.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Label values stay bounded: anything outside a known set becomes "other". */
class LabelValuesTest {
    @ParameterizedTest
    @CsvSource({"GET, GET", "get, GET", "Post, POST", "PUT, PUT", "DELETE, DELETE", "PATCH, PATCH", "HEAD, HEAD",
            "OPTIONS, OPTIONS", "TRACE, other", "CONNECT, other", "PROPFIND, other", "BREW, other", "G E T, other",
            "GETX, other"})
    void boundsMethods(String method, String label) {
        assertEquals(label, LabelValues.method(method));
    }

    @Test
    void mapsAMissingMethodToOther() {
        assertEquals(LabelValues.OTHER, LabelValues.method(null));
        assertEquals(LabelValues.OTHER, LabelValues.method(""));
    }

    @Test
    void keepsTurkishLocaleFromBreakingUpperCase() {
        java.util.Locale saved = java.util.Locale.getDefault();
        try {
            java.util.Locale.setDefault(java.util.Locale.forLanguageTag("tr-TR"));
            assertEquals("OPTIONS", LabelValues.method("options"));
            assertEquals("PATCH", LabelValues.method("patch"));
        } finally {
            java.util.Locale.setDefault(saved);
        }
    }

    @ParameterizedTest
    @CsvSource({"100, 100", "200, 200", "404, 404", "599, 599", "99, other", "600, other", "0, other", "-1, other",
            "1000, other"})
    void boundsStatusCodes(int code, String label) {
        assertEquals(label, LabelValues.status(code));
    }

    @ParameterizedTest
    @ValueSource(strings = {"card", "paypal"})
    void keepsKnownValues(String value) {
        assertEquals(value, LabelValues.oneOf(value, Set.of("card", "paypal")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Card", "bitcoin", "4111111111111111", ""})
    void mapsEverythingElseToOther(String value) {
        assertEquals(LabelValues.OTHER, LabelValues.oneOf(value, Set.of("card", "paypal")));
        assertEquals(LabelValues.OTHER, LabelValues.oneOf(null, Set.of("card")));
    }
}
