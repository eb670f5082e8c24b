package dev.fabula.snapshot;

/** When the repository takes a snapshot after saving an aggregate. */
@FunctionalInterface
public interface SnapshotSchedule {
  /**
   * Whether to snapshot after a save moved the aggregate from {@code previousVersion} to {@code
   * newVersion}.
   */
  boolean shouldSnapshot(int previousVersion, int newVersion);

  /** Never snapshot. */
  static SnapshotSchedule never() {
    return (previous, current) -> false;
  }

  /**
   * Snapshot whenever a save crosses a multiple of {@code n} versions (at 100, 200, … for {@code
   * n = 100}), even when one save adds several events.
   *
   * @throws IllegalArgumentException when {@code n < 1}
   */
  static SnapshotSchedule every(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("snapshot interval must be at least 1, got " + n);
    }
    return (previous, current) -> current / n > previous / n;
  }
}
