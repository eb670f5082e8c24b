package dev.fabula.console;

import dev.fabula.FabulaException;
import java.net.InetAddress;

/**
 * Refuses to start a console that would listen beyond the loopback interface without a password:
 * anyone who can reach the address could read every event. Configure {@link
 * ConsoleOptions.Builder#password} (or {@link ConsoleOptions.Builder#passwordHash}), or bind to the
 * loopback address.
 */
public final class UnprotectedConsoleException extends FabulaException {
  private static final long serialVersionUID = 1L;

  private final String address;

  UnprotectedConsoleException(InetAddress address) {
    super(
        "the console would listen on "
            + address.getHostAddress()
            + ", beyond the loopback interface, without a password: configure"
            + " ConsoleOptions.Builder.password(...) or bind to the loopback address");
    this.address = address.getHostAddress();
  }

  /** The address the console was to listen on. */
  public String address() {
    return address;
  }
}
