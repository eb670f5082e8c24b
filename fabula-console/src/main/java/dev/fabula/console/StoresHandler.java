package dev.fabula.console;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;

/**
 * Several stores in one console: store {@code name}'s console (pages and API) under {@code
 * stores/{name}/}, one set of sessions for all, so one login covers every store; the root
 * redirects to the first store and answers {@code api/stores}.
 */
final class StoresHandler extends Handler.Abstract {
  /** A store's name: a path segment that needs no escaping anywhere. */
  static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  private final Map<String, ConsoleHandler> stores = new LinkedHashMap<>();
  private final ConsoleHandler first;

  StoresHandler(Map<String, ConsoleOptions> options) {
    ConsoleOptions any = shared(options);
    var sessions = new Sessions(any.clock(), any.passwordHash());
    var names = new ArrayList<>(options.keySet());
    options.forEach((name, o) -> stores.put(name, new ConsoleHandler(o, sessions, new StoreMount(names, name))));
    first = new ConsoleHandler(any, sessions, new StoreMount(names, null));
    // Started and stopped with this handler: stopping a store's console stops its overview count.
    stores.values().forEach(this::addBean);
    addBean(first);
  }

  @Override
  public void setServer(Server server) {
    super.setServer(server);
    stores.values().forEach(h -> h.setServer(server));
    first.setServer(server);
  }

  /** Every store's console and the root's, in order; for tests. */
  List<ConsoleHandler> consoles() {
    var all = new ArrayList<ConsoleHandler>(stores.values());
    all.add(first);
    return all;
  }

  /**
   * Checks the stores' names and that their options agree on what the server and the login share
   * (bind address, port, password); returns the first store's options.
   *
   * @throws IllegalArgumentException when there is no store, a name is not a plain path segment or
   *     the options disagree
   */
  static ConsoleOptions shared(Map<String, ConsoleOptions> options) {
    Objects.requireNonNull(options, "stores");
    if (options.isEmpty()) {
      throw new IllegalArgumentException("a console needs at least one store");
    }
    ConsoleOptions first = null;
    String firstName = null;
    for (Map.Entry<String, ConsoleOptions> e : options.entrySet()) {
      String name = Objects.requireNonNull(e.getKey(), "a store's name");
      ConsoleOptions o = Objects.requireNonNull(e.getValue(), "the options of store " + name);
      if (!NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("a store's name must be 1 to 64 letters, digits, '.', '_' or '-',"
            + " starting with a letter or digit: '" + name + "'");
      }
      if (first == null) {
        first = o;
        firstName = name;
        continue;
      }
      if (!o.bindAddress().equals(first.bindAddress()) || o.port() != first.port()
          || !Objects.equals(o.passwordHash(), first.passwordHash())) {
        throw new IllegalArgumentException("the stores of one console share its address, port and login: store '"
            + name + "' has another bind address, port or password hash than '" + firstName
            + "' (give each the same passwordHash, made once by ConsoleOptions.hashPassword)");
      }
    }
    return first;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    String path = Request.getPathInContext(request);
    String context = contextPath(request);
    boolean redirect = path.isEmpty() || path.equals("/") || path.equals("/index.html")
        || (path.startsWith("/stores/") && path.indexOf('/', "/stores/".length()) < 0);
    if (redirect && !first.answers(request)) {
      Response.writeError(request, response, callback, 403); // not even the stores' names
      return true;
    }
    if (path.isEmpty() || path.equals("/") || path.equals("/index.html")) {
      return redirect(request, response, callback, context + "/" + StoreMount.path(stores.keySet().iterator().next()));
    }
    if (path.startsWith("/stores/")) {
      String rest = path.substring("/stores/".length());
      int slash = rest.indexOf('/');
      String name = slash < 0 ? rest : rest.substring(0, slash);
      ConsoleHandler store = stores.get(name);
      if (store == null) {
        return false;
      }
      if (slash < 0) {
        return redirect(request, response, callback, context + "/" + StoreMount.path(name));
      }
      return store.serve(request, response, callback, rest.substring(slash), false);
    }
    return first.serve(request, response, callback, path, true);
  }

  private static boolean redirect(Request request, Response response, Callback callback, String location) {
    Response.sendRedirect(request, response, callback, location);
    return true;
  }

  private static String contextPath(Request request) {
    String path = Request.getContextPath(request);
    return path == null ? "" : path;
  }
}
