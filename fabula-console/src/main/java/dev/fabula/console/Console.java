package dev.fabula.console;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Fabula's web console: pages and a JSON API (docs/CONSOLE-API.md) over an application's event
 * store, its aggregates and its projection schedules.
 *
 * <p>{@link #start} serves it on a port of its own; {@link #handler} gives the same console as a
 * Jetty {@link Handler} to mount into the application's own server (under a {@code
 * ContextHandler}, e.g. at {@code /console}). {@link #start(Map)} and {@link #handler(Map)} serve
 * several stores in one console, each under {@code stores/{name}/}, behind one login.
 *
 * <p>What it promises:
 *
 * <ul>
 *   <li>Read-only unless {@link ConsoleOptions.Builder#writesEnabled writes are enabled}; every
 *       write also needs the session's CSRF token (or the password as a bearer token).
 *   <li>With a password configured, every page's data and every action needs a login, kept in a
 *       {@code Secure}, {@code HttpOnly}, {@code SameSite=Strict} cookie. Without one, the console
 *       answers only requests from the loopback interface to a loopback host name, and {@link
 *       #start} refuses to listen on any other address ({@link UnprotectedConsoleException}).
 *       The cookie is {@code Secure}: beyond localhost, serve the console over HTTPS (mount {@link
 *       #handler} into a server with TLS, or put a TLS proxy in front).
 *   <li>Payloads are shown only as the codec registry encodes them; the console never decodes or
 *       reflectively reads a payload type the registry does not know.
 *   <li>The pages build their content with DOM text nodes only: no event name, payload or filter
 *       is ever parsed as markup, and a content security policy forbids inline scripts.
 * </ul>
 */
public final class Console implements AutoCloseable {
  private final Server server;
  private final ServerConnector connector;
  private final InetAddress address;
  private final ExecutorService virtualThreads;

  private Console(Server server, ServerConnector connector, InetAddress address, ExecutorService virtualThreads) {
    this.server = server;
    this.connector = connector;
    this.address = address;
    this.virtualThreads = virtualThreads;
  }

  /**
   * Starts a console on {@code options}' bind address and port, and returns once it listens.
   *
   * @throws UnprotectedConsoleException when the address is not a loopback address and no password
   *     is configured
   * @throws UncheckedIOException when it cannot listen there (the port is taken, say)
   */
  public static Console start(ConsoleOptions options) {
    Objects.requireNonNull(options, "options");
    return start(options, new ConsoleHandler(options));
  }

  /**
   * Starts one console over several stores, and returns once it listens: store {@code name}'s
   * pages and API are served under {@code stores/{name}/} (e.g. {@code
   * http://127.0.0.1:8089/stores/shop/api/overview}), the root redirects to the first store and
   * answers {@code api/stores} (every store's name and path). One login covers every store; each
   * store's options say what it shows and whether its writes are enabled. Stores are listed in
   * the map's iteration order (a {@code LinkedHashMap} keeps the caller's).
   *
   * @param stores each store's console options by the store's name: 1 to 64 letters, digits,
   *     {@code .}, {@code _} or {@code -}; all with the same bind address, port and password hash
   *     (give each {@link ConsoleOptions.Builder#passwordHash} the one hash)
   * @throws IllegalArgumentException when there is no store, a name is not allowed or the options
   *     disagree on bind address, port or password
   * @throws UnprotectedConsoleException when the address is not a loopback address and no password
   *     is configured
   * @throws UncheckedIOException when it cannot listen there
   */
  public static Console start(Map<String, ConsoleOptions> stores) {
    var copy = new LinkedHashMap<>(Objects.requireNonNull(stores, "stores"));
    return start(StoresHandler.shared(copy), new StoresHandler(copy));
  }

  private static Console start(ConsoleOptions options, Handler handler) {
    InetAddress address = options.bindAddress();
    if (!address.isLoopbackAddress() && options.passwordHash() == null) {
      throw new UnprotectedConsoleException(address);
    }
    var threads = new QueuedThreadPool(32, 2);
    threads.setName("fabula-console");
    ExecutorService virtualThreads = Executors.newVirtualThreadPerTaskExecutor();
    threads.setVirtualThreadsExecutor(virtualThreads);
    var server = new Server(threads);
    var connector = new ServerConnector(server);
    connector.setHost(address.getHostAddress());
    connector.setPort(options.port());
    server.addConnector(connector);
    server.setHandler(handler);
    try {
      server.start();
    } catch (IOException e) {
      stopQuietly(server, e);
      virtualThreads.close();
      throw new UncheckedIOException(
          "the console could not listen on " + address.getHostAddress() + ":" + options.port(), e);
    } catch (Exception e) {
      stopQuietly(server, e);
      virtualThreads.close();
      throw new IllegalStateException("the console did not start: " + e.getMessage(), e);
    }
    return new Console(server, connector, address, virtualThreads);
  }

  /**
   * The console as a handler to mount into an existing Jetty server. It serves the paths of its
   * context ({@code /}, the pages' static files and {@code /api/...}) and declines every other. The
   * host server decides where it listens: without a password the handler answers only loopback
   * clients, with status 403 for any other.
   */
  public static Handler handler(ConsoleOptions options) {
    Objects.requireNonNull(options, "options");
    return new ConsoleHandler(options);
  }

  /**
   * Several stores' consoles as one handler to mount into an existing Jetty server, laid out and
   * checked as by {@link #start(Map)}; bind address and port are the host server's.
   *
   * @throws IllegalArgumentException as {@link #start(Map)}
   */
  public static Handler handler(Map<String, ConsoleOptions> stores) {
    var copy = new LinkedHashMap<>(Objects.requireNonNull(stores, "stores"));
    StoresHandler.shared(copy);
    return new StoresHandler(copy);
  }

  /** The port the console listens on (the one picked, when port 0 was configured). */
  public int port() {
    return connector.getLocalPort();
  }

  /** The console's address, e.g. {@code http://127.0.0.1:8089/}. */
  public URI uri() {
    String host = address.getHostAddress();
    if (address instanceof Inet6Address) {
      host = "[" + host + "]";
    }
    return URI.create("http://" + host + ":" + port() + "/");
  }

  /** Stops listening and releases the server's threads. Idempotent. */
  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("the console did not stop cleanly: " + e.getMessage(), e);
    } finally {
      virtualThreads.close();
    }
  }

  private static void stopQuietly(Server server, Exception cause) {
    try {
      server.stop();
    } catch (Exception e) {
      cause.addSuppressed(e);
    }
  }
}
