package dev.fabula.nats;

import dev.fabula.FabulaException;

/**
 * Reported to a subscription's error handler when a message on one of its subjects is not an event
 * this bus can read: not a Fabula envelope, an envelope version this module does not know, or an
 * event name the codec registry does not know. Names the subject and size so an operator can find
 * the sender; the subscription goes on with the next message.
 */
public final class BadMessageException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final String subject;
  private final int size;

  /**
   * @param subject the subject the message came on
   * @param size the message's size in bytes
   * @param cause why it could not be read
   */
  public BadMessageException(String subject, int size, Throwable cause) {
    super("Cannot read the message of " + size + " bytes on subject '" + subject + "' as a Fabula event: "
        + cause.getMessage(), cause);
    this.subject = subject;
    this.size = size;
  }

  /** The subject the message came on. */
  public String subject() {
    return subject;
  }

  /** The message's size in bytes. */
  public int size() {
    return size;
  }
}
