package dev.fabula.repository;

import dev.fabula.FabulaException;
import java.util.UUID;

/**
 * The aggregate is soft-deleted, so {@code fetch} and {@code use} refuse it. Load it with {@link
 * Repository#fetchIncludingDeleted} to restore it.
 */
public final class AggregateDeletedException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final String aggregateName;
  private final UUID aggregateId;

  /**
   * @param aggregateName the aggregate's name
   * @param aggregateId the aggregate's id
   */
  public AggregateDeletedException(String aggregateName, UUID aggregateId) {
    super(
        aggregateName + " " + aggregateId
            + " is soft-deleted; use fetchIncludingDeleted to load it for restoring");
    this.aggregateName = aggregateName;
    this.aggregateId = aggregateId;
  }

  /** The aggregate's name. */
  public String aggregateName() {
    return aggregateName;
  }

  /** The aggregate's id. */
  public UUID aggregateId() {
    return aggregateId;
  }
}
