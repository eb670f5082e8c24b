package dev.fabula.projection;

import dev.fabula.FabulaException;

/**
 * A {@linkplain Schedule#retry retry} of a dead letter was refused before anything was applied:
 * the projection cannot apply an event below its progress (it is {@link ProgressAware} without
 * being {@link Reapplicable}), it was reset since the event failed (the rebuild will apply the
 * event), or the store no longer holds an event that could not be decoded. The letter stays as it was; the message says what to do (often: evict it).
 */
public final class ReapplyRefusedException extends FabulaException {
  private static final long serialVersionUID = 1L;

  /** A refusal explained by {@code message}. */
  public ReapplyRefusedException(String message) {
    super(message);
  }

  /** A refusal explained by {@code message}, caused by {@code cause}. */
  public ReapplyRefusedException(String message, Throwable cause) {
    super(message, cause);
  }
}
