package dev.fabula.snapshot;

import dev.fabula.FabulaException;
import java.util.UUID;

/**
 * A stored snapshot no longer decodes into its registered state type (its shape changed). The
 * repository treats this as "no snapshot" and replays the aggregate's events instead.
 */
public final class SnapshotDecodingException extends FabulaException {
  private static final long serialVersionUID = 1L;

  /**
   * @param aggregateName the aggregate's name
   * @param aggregateId the aggregate's id
   * @param version the snapshot's version
   * @param cause why decoding failed
   */
  public SnapshotDecodingException(
      String aggregateName, UUID aggregateId, int version, Throwable cause) {
    super(
        "Cannot decode the snapshot of "
            + aggregateName
            + " "
            + aggregateId
            + " at version "
            + version
            + ": "
            + cause.getMessage(),
        cause);
  }
}
