package dev.o11yshop.loadgen;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

    @Test
    void ratesOutsideTheDocumentedRangeAreRejected() {
        for (double bad : new double[] {0, -1, 1e-300, Double.MIN_VALUE, Double.NaN, Double.POSITIVE_INFINITY, 100_001}) {
            assertThrows(IllegalArgumentException.class, () -> new ArrivalSchedule(START, bad, 0), "rate " + bad);
            ArrivalSchedule schedule = new ArrivalSchedule(START, 10, 0);
            schedule.claim(schedule.peek());
            assertThrows(IllegalArgumentException.class, () -> schedule.changeRate(bad, START + SECOND), "rate " + bad);
            assertEquals(START + 100_000_000L, schedule.peek(), "a rejected rate changes nothing");
        }
    }

    @Test
    void theSlowestRateStillArrivesAndAFastRateTakesOverAtOnce() {
        ArrivalSchedule schedule = new ArrivalSchedule(START, TrafficOptions.MIN_RATE, 0);
        schedule.claim(schedule.peek());
        assertEquals(START + 10 * SECOND, schedule.peek(), "one arrival every 10 s");

        schedule.changeRate(TrafficOptions.MAX_RATE, START + SECOND);

        long next = schedule.peek();
        assertTrue(next > START + SECOND && next <= START + SECOND + 10_000L, "due within one gap of 10 µs: " + next);
    }

    @Test
    void anIntendedTimeIsNeverFurtherOutThanTheCapSoItCannotOverflow() {
        assertEquals(ArrivalSchedule.MAX_OFFSET_NANOS, ArrivalSchedule.offset(1e300));
        assertEquals(ArrivalSchedule.MAX_OFFSET_NANOS, ArrivalSchedule.offset(Double.POSITIVE_INFINITY));
        assertEquals(ArrivalSchedule.MAX_OFFSET_NANOS, ArrivalSchedule.offset(Double.NaN));
        assertEquals(1_500L, ArrivalSchedule.offset(1_499.6));
        // nanoTime may be anywhere in the long range: the furthest arrival of a late origin is still after it.
        long lateStart = Long.MAX_VALUE - 2 * ArrivalSchedule.MAX_OFFSET_NANOS;
        ArrivalSchedule schedule = new ArrivalSchedule(lateStart, TrafficOptions.MIN_RATE, 0);
        schedule.claim(schedule.peek());
        assertTrue(schedule.peek() > lateStart, "no overflow into the past");
    }
}
