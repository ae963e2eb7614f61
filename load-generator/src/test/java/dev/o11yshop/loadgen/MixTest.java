package dev.o11yshop.loadgen;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Mix parsing and picking, and the duration syntax of the command line. */
class MixTest {
    @Test
    void parsesWeightsAndDefaultsLeftOutScenariosToZero() {
        assertEquals(Mix.defaults(), Mix.parse(Mix.DEFAULT_SPEC));
        assertEquals(Mix.DEFAULT_SPEC, Mix.defaults().toString());
        assertEquals(new Mix(0, 1.5, 0, 0), Mix.parse(" checkout = 1.5 "));
        assertEquals(Mix.only(Scenario.CHECKOUT), Mix.parse("checkout=1"));
        assertEquals(0.6, Mix.defaults().share(Scenario.BROWSE), 1e-9);
    }

    @Test
    void badMixesAreRejectedWithTheReason() {
        assertThat(message("browse=60,foo=40"), containsString("mix names an unknown scenario 'foo' (known: browse, checkout, declined, invalid)"));
        assertThat(message("browse=-1,checkout=1"),
                   containsString("mix needs a weight from 0 to 1000000 for 'browse', got '-1'"));
        assertThat(message("browse=0,checkout=0"), containsString("mix needs at least one positive weight"));
        assertThat(message("browse"), containsString("mix must be scenario=weight pairs"));
        assertThat(message("browse=x"), containsString("mix needs a number as the weight of 'browse', got 'x'"));
        assertThat(message("browse=1,browse=2"), containsString("mix names 'browse' twice"));
        assertThat(message(""), containsString("mix must be scenario=weight pairs"));
        assertThat(message("browse=NaN"), containsString("mix needs a weight from 0 to 1000000 for 'browse'"));
        assertThat(message("browse=Infinity"), containsString("mix needs a weight from 0 to 1000000 for 'browse'"));
        assertThat(message("browse=1.7e308,checkout=1.7e308"),
                   containsString("mix needs a weight from 0 to 1000000 for 'browse'"));
        assertThat(assertThrows(IllegalArgumentException.class, () -> new Mix(1, -2, 0, 0)).getMessage(),
                   containsString("mix needs a weight from 0 to 1000000 for 'checkout'"));
        assertThat(assertThrows(IllegalArgumentException.class, () -> new Mix(0, 0, 0, 0)).getMessage(),
                   containsString("at least one positive weight"));
    }

    @Test
    void picksScenariosInProportionToTheirWeightsAndNeverOnesWithout() {
        Mix mix = new Mix(0, 3, 1, 0);
        Map<Scenario, Integer> picks = new EnumMap<>(Scenario.class);
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 100_000; i++) {
            picks.merge(mix.pick(random.nextDouble()), 1, Integer::sum);
        }
        assertEquals(Map.of(Scenario.CHECKOUT, picks.get(Scenario.CHECKOUT), Scenario.DECLINED, picks.get(Scenario.DECLINED)), picks);
        assertEquals(0.75, picks.get(Scenario.CHECKOUT) / 100_000.0, 0.01);
        assertEquals(Scenario.CHECKOUT, mix.pick(0));
        assertEquals(Scenario.DECLINED, mix.pick(Math.nextDown(1.0)));
    }

    @Test
    void durationsAsTyped() {
        assertEquals(Duration.ofSeconds(30), Durations.parse("30s"));
        assertEquals(Duration.ofMinutes(5), Durations.parse("5m"));
        assertEquals(Duration.ofHours(1), Durations.parse("1h"));
        assertEquals(Duration.ofSeconds(90), Durations.parse("1m30s"));
        assertEquals(Duration.ofMillis(250), Durations.parse("250ms"));
        assertEquals(Duration.ofMillis(1500), Durations.parse("1.5s"));
        assertEquals(Duration.ZERO, Durations.parse("0"));
        for (String bad : new String[] {"", "30", "-1s", "5x", "s", "1 h", "ten"}) {
            assertThrows(IllegalArgumentException.class, () -> Durations.parse(bad), bad);
        }
        assertEquals("1m30s", Durations.format(Duration.ofSeconds(90)));
        assertEquals("2h5m", Durations.format(Duration.ofMinutes(125)));
        assertEquals("250ms", Durations.format(Duration.ofMillis(250)));
        assertEquals("1.5s", Durations.format(Duration.ofMillis(1500)));
        assertEquals("0s", Durations.format(Duration.ZERO));
    }

    private static String message(String spec) {
        return assertThrows(IllegalArgumentException.class, () -> Mix.parse(spec)).getMessage();
    }
}
