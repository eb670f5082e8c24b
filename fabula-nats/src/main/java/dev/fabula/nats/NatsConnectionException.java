package dev.fabula.nats;

import dev.fabula.FabulaException;

/**
 * A NATS bus could not connect to its server at start, within the {@linkplain
 * NatsOptions#connectTimeout() connect timeout}; or the server has no JetStream where the
 * JetStream bus needs it. The message names the server and what the client saw.
 */
public final class NatsConnectionException extends FabulaException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message what failed, naming the server
   * @param cause the client's failure
   */
  public NatsConnectionException(String message, Throwable cause) {
    super(message + ": " + cause.getMessage(), cause);
  }
}
