package dev.fabula.nats;

import dev.fabula.FabulaException;
import java.util.List;
import java.util.UUID;

/**
 * A publish that NATS did not take within the {@linkplain NatsOptions#publishTimeout() publish
 * timeout}: the server was unreachable, the client's reconnect buffer was full, or (JetStream) the
 * stream did not acknowledge in time. Some of the events may have reached subscribers. On
 * JetStream, publishing the same events again (same ids) inside the de-duplication window is safe:
 * the ones already stored are dropped as duplicates.
 */
public final class NatsPublishException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final List<UUID> eventIds;

  /**
   * @param eventIds the ids of the events not confirmed, in publish order
   * @param message what failed
   * @param cause the client's failure
   */
  public NatsPublishException(List<UUID> eventIds, String message, Throwable cause) {
    super(message + " (" + eventIds.size() + " event(s) not confirmed: " + cause.getMessage() + ")", cause);
    this.eventIds = List.copyOf(eventIds);
  }

  /** The ids of the events whose publish was not confirmed, in publish order. */
  public List<UUID> eventIds() {
    return eventIds;
  }
}
