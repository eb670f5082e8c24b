package dev.fabula.event;

import dev.fabula.TransientException;
import java.util.UUID;

/**
 * An insert lost a race: another writer already stored a version of the aggregate that the batch
 * expected to write. Nothing of the rejected batch was stored. Transient: fetching the aggregate
 * again and retrying the decision on fresh state may succeed.
 */
public final class ConcurrencyException extends TransientException {
  private static final long serialVersionUID = 1L;

  private final String aggregateName;
  private final UUID aggregateId;
  private final int expectedVersion;
  private final int actualVersion;

  /**
   * @param aggregateName the aggregate's name
   * @param aggregateId the aggregate's id
   * @param expectedVersion the version the writer believed current (first new version - 1)
   * @param actualVersion the version found in the store, or {@code -1} if the store can't tell
   */
  public ConcurrencyException(
      String aggregateName, UUID aggregateId, int expectedVersion, int actualVersion) {
    super(
        "Version conflict on "
            + aggregateName
            + " "
            + aggregateId
            + ": expected version "
            + expectedVersion
            + " but the store holds "
            + (actualVersion < 0 ? "a newer one" : "version " + actualVersion)
            + "; nothing of the batch was stored");
    this.aggregateName = aggregateName;
    this.aggregateId = aggregateId;
    this.expectedVersion = expectedVersion;
    this.actualVersion = actualVersion;
  }

  /** The aggregate's name. */
  public String aggregateName() {
    return aggregateName;
  }

  /** The aggregate's id. */
  public UUID aggregateId() {
    return aggregateId;
  }

  /** The version the writer expected to be current. */
  public int expectedVersion() {
    return expectedVersion;
  }

  /** The version the store holds, or {@code -1} when the store could not tell. */
  public int actualVersion() {
    return actualVersion;
  }
}
