package dev.fabula.codec;

import dev.fabula.FabulaException;
import org.jspecify.annotations.Nullable;

/**
 * An {@link EventUpcaster} failed: it threw, returned {@code null}, or returned an event of a name
 * it did not declare. Readers of stored events report it as the cause of an {@code
 * EventDecodingException} that names the event.
 */
public final class UpcasterException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final String upcaster;

  /**
   * @param upcaster the upcaster's registration, as it reads ({@code eventUpcaster("a", 1, …)})
   * @param message what went wrong
   * @param cause what the upcaster threw, or {@code null}
   */
  public UpcasterException(String upcaster, String message, @Nullable Throwable cause) {
    super("the event upcaster " + upcaster + " " + message, cause);
    this.upcaster = upcaster;
  }

  /** The failed upcaster's registration, as it reads. */
  public String upcaster() {
    return upcaster;
  }
}
