package dev.fabula.examples.payments;

import java.time.LocalDate;

/**
 * The article's daily statistics over the {@code payment_summary} rows whose outcome fell on one
 * day (UTC). As in the article, count, volume and average cover every payment of the day, failed
 * and flagged ones included.
 *
 * @param day the day
 * @param transactions how many payments
 * @param volumeCents their amounts added up
 * @param averageCents the average amount, rounded half up to the cent (0 when there is none)
 * @param failed how many failed
 * @param flaggedForReview how many wait for review
 */
public record DailyStats(LocalDate day, long transactions, long volumeCents, long averageCents, long failed,
    long flaggedForReview) {
  /** As the example prints it. */
  @Override
  public String toString() {
    return String.format("%s  %4d payment(s)  volume %-18s average %-14s failed %3d  flagged for review %d",
        day, transactions, Money.format(volumeCents, Money.USD), Money.format(averageCents, Money.USD), failed,
        flaggedForReview);
  }
}
