package dev.o11yshop.loadgen;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Intended arrival times: constant rate, ramp, and rate changes without bursts or drift. */
class ArrivalScheduleTest {
    private static final long SECOND = 1_000_000_000L;
    private static final long START = 5 * SECOND;

    @Test
    void constantRateArrivalsAreEvenlySpacedFromTheOrigin() {
        ArrivalSchedule schedule = new ArrivalSchedule(START, 200, 0);
        for (int i = 0; i < 1000; i++) {
            long intended = schedule.peek();
            assertEquals(START + i * 5_000_000L, intended, "arrival " + i);
            assertTrue(schedule.claim(intended));
        }
        assertEquals(1000, schedule.claimed());
    }

    @Test
    void rampArrivalsFollowTheIntegralOfALinearRate() {
        ArrivalSchedule schedule = new ArrivalSchedule(START, 100, 2 * SECOND);
        int firstSecond = 0;
        int ramp = 0;
        int afterRamp = 0;
        while (true) {
            long intended = schedule.peek();
            if (intended >= START + 3 * SECOND) {
                break;
            }
            schedule.claim(intended);
            if (intended < START + SECOND) {
                firstSecond++;
            }
            if (intended < START + 2 * SECOND) {
                ramp++;
            } else {
                afterRamp++;
            }
        }
        // 100/s reached after 2 s: 100 * t^2 / 4 arrivals by t, so 25 in the first second and 100 during the ramp.
        assertEquals(25, firstSecond, 1);
        assertEquals(100, ramp, 1);
        assertEquals(100, afterRamp, 1);
        assertEquals(50, schedule.rateAt(START + SECOND), 0.001);
        assertEquals(100, schedule.rateAt(START + 3 * SECOND), 0.001);
    }

    @Test
    void aRateChangeKeepsThePartOfTheGapAlreadyWaitedAndReleasesNoBurst() {
        ArrivalSchedule schedule = new ArrivalSchedule(START, 10, 0);
        long first = schedule.peek();
        schedule.claim(first);
        assertEquals(START + 100_000_000L, schedule.peek(), "next at 10/s");

        // Half of the 100 ms gap has passed: at 100/s the next comes after half of 10 ms.
        schedule.changeRate(100, START + 50_000_000L);

        assertEquals(START + 55_000_000L, schedule.peek());
        assertFalse(schedule.claim(START + 100_000_000L), "an arrival peeked before the change is not claimed");
        long previous = 0;
        for (int i = 0; i < 10; i++) {
            long intended = schedule.peek();
            assertTrue(schedule.claim(intended));
            if (i > 0) {
                assertEquals(10_000_000L, intended - previous, 1);
            }
            previous = intended;
        }
        assertEquals(100, schedule.targetRate());
    }

    @Test
    void aSchedulerFarBehindIsNotMadeToCatchUpAfterARateChange() {
        ArrivalSchedule schedule = new ArrivalSchedule(START, 10, 0);
        schedule.claim(schedule.peek());

        schedule.changeRate(20, START + 10 * SECOND);

        assertEquals(START + 10 * SECOND, schedule.peek(), "the next arrival is due now, not 99 of them");
        schedule.claim(schedule.peek());
        assertEquals(START + 10 * SECOND + 50_000_000L, schedule.peek());
    }

    @Test
    void aRateChangeBeforeTheStartKeepsTheStartAndTheRamp() {
        ArrivalSchedule schedule = new ArrivalSchedule(START, 10, 2 * SECOND);

        schedule.changeRate(100, START - SECOND);

        assertEquals(START, schedule.peek());
        assertEquals(50, schedule.rateAt(START + SECOND), 0.001);
    }
}
