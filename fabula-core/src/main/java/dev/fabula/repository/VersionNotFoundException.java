package dev.fabula.repository;

import dev.fabula.FabulaException;
import java.util.UUID;

/** {@link Repository#fetchVersion} asked for a version the aggregate never reached. */
public final class VersionNotFoundException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final int requestedVersion;
  private final int latestVersion;

  /**
   * @param aggregateName the aggregate's name
   * @param aggregateId the aggregate's id
   * @param requestedVersion the version asked for
   * @param latestVersion the aggregate's latest stored version
   */
  public VersionNotFoundException(
      String aggregateName, UUID aggregateId, int requestedVersion, int latestVersion) {
    super(
        aggregateName + " " + aggregateId + " has no version " + requestedVersion
            + "; its latest version is " + latestVersion);
    this.requestedVersion = requestedVersion;
    this.latestVersion = latestVersion;
  }

  /** The version asked for. */
  public int requestedVersion() {
    return requestedVersion;
  }

  /** The aggregate's latest stored version. */
  public int latestVersion() {
    return latestVersion;
  }
}
