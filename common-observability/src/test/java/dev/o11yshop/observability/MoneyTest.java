package dev.o11yshop.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Money on the wire: a decimal string with at most two decimals plus an ISO 4217 code, always kept at scale 2. */
class MoneyTest {
    record Priced(Money price) {
    }

    @ParameterizedTest
    @CsvSource({"59.98, 59.98", "59.9, 59.90", "59, 59.00", "0.01, 0.01", "-5.00, -5.00", "000123.40, 123.40",
            "999999999999.99, 999999999999.99"})
    void readsDecimalStringsAtScaleTwo(String wire, String expected) {
        Money money = read("{\"price\":{\"amount\":\"" + wire + "\",\"currency\":\"USD\"}}").price();

        assertEquals(new BigDecimal(expected), money.amount());
        assertEquals(2, money.amount().scale());
        assertEquals("USD", money.currency());
    }

    @ParameterizedTest
    @ValueSource(strings = {"59.989", "1.", ".5", "1e3", "1E+3", " 1.00", "1.00 ", "+1.00", "1,00", "ten", "", "0x10",
            "1234567890123.00", "NaN", "Infinity", "1_000.00", "١٢٣"})
    void rejectsAmountsThatAreNotPlainDecimalStrings(String amount) {
        ProblemException problem = assertThrows(ProblemException.class,
                () -> read("{\"price\":{\"amount\":\"" + amount + "\",\"currency\":\"USD\"}}"));

        assertEquals(400, problem.status().code());
        assertEquals("price", problem.errors().getFirst().field());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"price\":59.98}", "{\"price\":\"59.98\"}", "{\"price\":[\"59.98\",\"USD\"]}",
            "{\"price\":{\"amount\":\"59.98\"}}", "{\"price\":{\"currency\":\"USD\"}}",
            "{\"price\":{\"amount\":null,\"currency\":\"USD\"}}", "{\"price\":{\"amount\":{},\"currency\":\"USD\"}}"})
    void rejectsMoneyInAnyOtherShape(String body) {
        ProblemException problem = assertThrows(ProblemException.class, () -> read(body));

        assertEquals(400, problem.status().code());
        assertTrue(problem.errors().getFirst().field().startsWith("price"), problem.errors().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"usd", "US", "USDD", "U$D", "", "123"})
    void rejectsCurrenciesThatAreNotThreeUpperCaseLetters(String currency) {
        ProblemException problem = assertThrows(ProblemException.class,
                () -> read("{\"price\":{\"amount\":\"1.00\",\"currency\":\"" + currency + "\"}}"));

        assertEquals("price", problem.errors().getFirst().field());
        assertThrows(IllegalArgumentException.class, () -> Money.of("1.00", currency));
    }

    @Test
    void rejectsAJsonNumberAsAmount() {
        ProblemException problem = assertThrows(ProblemException.class,
                () -> read("{\"price\":{\"amount\":59.98,\"currency\":\"USD\"}}"));

        assertEquals("price.amount", problem.errors().getFirst().field());
    }

    @Test
    void writesTheAmountAsAStringAtScaleTwo() {
        String json = new String(Json.bytes(new Priced(Money.of("59.9", "EUR"))), StandardCharsets.UTF_8);

        assertEquals("{\"price\":{\"amount\":\"59.90\",\"currency\":\"EUR\"}}", json);
    }

    @Test
    void writesLargeAndTinyAmountsWithoutExponents() {
        assertEquals("{\"amount\":\"1000000.00\",\"currency\":\"USD\"}",
                     new String(Json.bytes(Money.of("1E+6", "USD")), StandardCharsets.UTF_8));
        assertEquals("{\"amount\":\"0.00\",\"currency\":\"USD\"}",
                     new String(Json.bytes(Money.of("0.0000001", "USD")), StandardCharsets.UTF_8));
    }

    @Test
    void roundTrips() {
        Priced priced = new Priced(Money.of("1234.50", "USD"));

        assertEquals(priced, Json.parse(Json.bytes(priced), Priced.class));
    }

    @Test
    void equalAmountsAreEqualWhateverTheirScale() {
        assertEquals(Money.of("59.9", "USD"), Money.of("59.90", "USD"));
        assertEquals(Money.of("59.9", "USD").hashCode(), Money.of("59.900", "USD").hashCode());
        assertNotEquals(Money.of("59.90", "USD"), Money.of("59.90", "EUR"));
    }

    @Test
    void roundsHalfEvenToCents() {
        assertEquals(new BigDecimal("0.12"), Money.of("0.125", "USD").amount());
        assertEquals(new BigDecimal("0.14"), Money.of("0.135", "USD").amount());
    }

    @Test
    void addsAndMultipliesInOneCurrency() {
        assertEquals(Money.of("59.98", "USD"), Money.of("29.99", "USD").times(2));
        assertEquals(Money.of("30.00", "USD"), Money.of("29.99", "USD").plus(Money.of("0.01", "USD")));
        assertEquals(Money.zero("USD"), Money.of("1.00", "USD").times(0));
        assertThrows(IllegalArgumentException.class, () -> Money.of("1.00", "USD").plus(Money.of("1.00", "EUR")));
    }

    @Test
    void knowsWhetherItIsPositive() {
        assertTrue(Money.of("0.01", "USD").isPositive());
        assertFalse(Money.zero("USD").isPositive());
        assertFalse(Money.of("-0.01", "USD").isPositive());
    }

    @Test
    void requiresAmountAndCurrency() {
        assertThrows(NullPointerException.class, () -> new Money(null, "USD"));
        assertThrows(NullPointerException.class, () -> new Money(BigDecimal.ONE, null));
    }

    @Test
    void printsPlainly() {
        assertEquals("1000000.00 USD", Money.of("1E+6", "USD").toString());
    }

    private static Priced read(String body) {
        return Json.parse(body.getBytes(StandardCharsets.UTF_8), Priced.class);
    }
}
