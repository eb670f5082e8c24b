package dev.fabula.postgres;

import java.time.Duration;
import java.util.Objects;

/**
 * The oldest open write transaction on a PostgreSQL server, as {@link Postgres#horizonHolder}
 * finds it: until it commits or rolls back, a catch-up reader sees no event of a later transaction
 * (positions come from transaction ids, ADR 0005), so it holds the store's safe horizon back.
 *
 * @param pid the server process of the transaction's session ({@code pg_terminate_backend} takes it)
 * @param xid the transaction's id
 * @param open how long the transaction has been open, when it was asked
 * @param state the session's state ({@code active}, {@code idle in transaction}, ...), or an empty
 *     string when the server does not show it to this login
 * @param applicationName the session's application name, possibly empty
 */
public record HorizonHolder(int pid, long xid, Duration open, String state, String applicationName) {
  /** Checks the values. */
  public HorizonHolder {
    Objects.requireNonNull(open, "open");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(applicationName, "applicationName");
  }

  /** One line for an operator, e.g. {@code pid 4711 (xid 901, application 'psql', idle in transaction), open for 12.3 s}. */
  public String describe() {
    String app = applicationName.isEmpty() ? "no application name" : "application '" + applicationName + "'";
    String st = state.isEmpty() ? "" : ", " + state;
    return "pid " + pid + " (xid " + xid + ", " + app + st + "), open for "
        + String.format(java.util.Locale.ROOT, "%.1f s", open.toMillis() / 1000.0);
  }
}
