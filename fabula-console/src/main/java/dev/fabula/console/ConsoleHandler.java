package dev.fabula.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fabula.aggregate.AggregateRoot;
import dev.fabula.event.Event;
import dev.fabula.event.EventDecodingException;
import dev.fabula.event.EventQuery;
import dev.fabula.event.SortField;
import dev.fabula.repository.VersionNotFoundException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.LongFunction;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.jspecify.annotations.Nullable;

/**
 * The console as a Jetty handler: the pages' static files and the JSON API (docs/CONSOLE-API.md),
 * with the login, CSRF and loopback rules of {@link Console}.
 */
final class ConsoleHandler extends Handler.Abstract {
  static final String COOKIE = "fabula_console";
  static final String CSRF_HEADER = "X-CSRF-Token";
  static final int DEFAULT_PAGE = 50;
  static final int MAX_PAGE = 500;
  static final int MAX_STREAM = 1000;
  static final int MAX_BODY = 64 * 1024;
  private static final String CSP =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
          + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

  private final ConsoleOptions options;
  private final Json json;
  private final Overview overview;
  private final Jobs jobs;
  private final DeadLetterActions deadLetters;
  private final Sessions sessions;
  private final Assets assets;
  private final StoredProgress storedProgress;
  private final StoreMount mount;

  /** The console of one store, served at its context's root. */
  ConsoleHandler(ConsoleOptions options) {
    this(options, new Sessions(options.clock(), options.passwordHash()), StoreMount.single());
  }

  /** The console of one store among several ({@link StoresHandler}), sharing their sessions. */
  ConsoleHandler(ConsoleOptions options, Sessions sessions, StoreMount mount) {
    this.options = options;
    this.json = new Json(options.codec());
    this.overview = new Overview(options.store(), options.horizonHolder());
    this.jobs = new Jobs(options.schedules(), options.clock());
    this.deadLetters = new DeadLetterActions(options.schedules());
    this.sessions = sessions;
    this.assets = Assets.load();
    this.storedProgress = new StoredProgress(options.store(), options.storedProgress());
    this.mount = mount;
  }

  @Override
  protected void doStop() throws Exception {
    overview.close();
    super.doStop();
  }

  /** Who is asking: their session (if any) and whether they may read. */
  private record Caller(Sessions.@Nullable Session session, boolean bearer, boolean authenticated) {}

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    String path = Request.getPathInContext(request);
    if (path.isEmpty()) {
      Response.sendRedirect(request, response, callback, contextPath(request) + "/");
      return true;
    }
    return serve(request, response, callback, path, false);
  }

  /**
   * Serves {@code path} (relative to this store's console, e.g. {@code /api/events}); at the root
   * of several stores ({@code atRoot}) only {@code api/stores} answers, since every other route
   * belongs to one store.
   */
  boolean serve(Request request, Response response, Callback callback, String path, boolean atRoot) {
    boolean api = path.startsWith("/api/");
    if (atRoot && !api) {
      return false;
    }
    Assets.Asset asset = api ? null : assets.find(path);
    if (!api && asset == null) {
      return false;
    }
    var headers = response.getHeaders();
    headers.put("Content-Security-Policy", CSP);
    headers.put("X-Content-Type-Options", "nosniff");
    headers.put("X-Frame-Options", "DENY");
    headers.put("Referrer-Policy", "no-referrer");
    headers.put(HttpHeader.CACHE_CONTROL, "no-store");
    try {
      if (!sessions.loginRequired()) {
        requireLoopback(request);
      }
      if (asset != null) {
        headers.put(HttpHeader.CONTENT_TYPE, asset.contentType());
        response.write(true, ByteBuffer.wrap(asset.bytes()), callback);
      } else {
        String route = path.substring("/api/".length());
        if (atRoot && !route.equals("stores")) {
          throw ApiError.notFound("at the console's root only api/stores answers; each store's API is at"
              + " stores/{name}/api/");
        }
        JsonNode answer = api(request, response, route);
        send(response, callback, 200, answer);
      }
    } catch (ApiError e) {
      send(response, callback, e.status(), error(e.getMessage()));
    } catch (RuntimeException e) {
      send(response, callback, 500, error(e.getClass().getSimpleName() + ": " + e.getMessage()));
    }
    return true;
  }

  private JsonNode api(Request request, Response response, String route) {
    String method = request.getMethod();
    boolean get = HttpMethod.GET.is(method);
    boolean post = HttpMethod.POST.is(method);
    if (!get && !post) {
      throw ApiError.badRequest("the console's API takes GET and POST, not " + method);
    }
    Caller caller = caller(request);
    if (route.equals("session") && get) {
      return session(request, response, caller);
    }
    if (route.equals("login") && post) {
      return login(request, response, caller);
    }
    if (!caller.authenticated()) {
      throw ApiError.unauthorized("log in first (POST api/login) or send the password as a bearer token");
    }
    if (post) {
      if (route.equals("logout")) {
        requireCsrf(request, caller);
        if (caller.session() != null) {
          sessions.close(caller.session().id());
        }
        return Json.NODES.objectNode().put("loggedOut", true);
      }
      if (!options.writesEnabled()) {
        throw ApiError.forbidden("write actions are disabled in this console's configuration");
      }
      requireCsrf(request, caller);
      String[] parts = route.split("/", -1);
      if (parts.length == 3 && parts[0].equals("projections") && parts[2].equals("trigger")) {
        JsonNode body = body(request);
        boolean reset = body.path("reset").asBoolean(false);
        return jobs.trigger(parts[1], reset, options.store().lastPosition());
      }
      if (DeadLetterActions.matches(parts)) {
        return deadLetters.act(parts, body(request));
      }
      throw ApiError.notFound("no write action at api/" + route);
    }
    Fields query = Request.extractQueryParameters(request);
    String[] parts = route.split("/", -1);
    return switch (parts[0]) {
      case "overview" -> single(parts, overview.answer());
      case "stores" -> single(parts, mount.answer());
      case "events" -> single(parts, events(query));
      case "aggregates" -> switch (parts.length) {
        case 1 -> aggregateTypes();
        case 3 -> aggregate(parts[1], parts[2], query);
        default -> throw ApiError.notFound("no resource at api/" + route);
      };
      case "projections" -> switch (parts.length) {
        case 1 -> storedProgress.addTo(jobs.list());
        case 2 -> options.schedules().containsKey(parts[1]) ? jobs.describe(parts[1]) : storedProgress.describe(parts[1]);
        default -> throw ApiError.notFound("no resource at api/" + route);
      };
      default -> throw ApiError.notFound("no resource at api/" + route);
    };
  }

  private static JsonNode single(String[] parts, JsonNode answer) {
    if (parts.length != 1) {
      throw ApiError.notFound("no resource at api/" + String.join("/", parts));
    }
    return answer;
  }

  // --- security ---

  /**
   * Whether the console answers {@code request}'s client at all: with a password every client
   * (the login decides what it sees), without one only this machine's, asking for localhost.
   */
  boolean answers(Request request) {
    if (sessions.loginRequired()) {
      return true;
    }
    try {
      requireLoopback(request);
      return true;
    } catch (ApiError refused) {
      return false;
    }
  }

  /**
   * Without a password the console answers only loopback clients that name a loopback host: a
   * page of another site cannot reach it through a DNS name it rebinds to 127.0.0.1.
   */
  private static void requireLoopback(Request request) {
    SocketAddress remote = request.getConnectionMetaData().getRemoteSocketAddress();
    boolean loopbackClient =
        remote instanceof InetSocketAddress a && a.getAddress() != null && a.getAddress().isLoopbackAddress();
    String host = Request.getServerName(request).toLowerCase(Locale.ROOT);
    boolean loopbackHost =
        host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1");
    if (!loopbackClient || !loopbackHost) {
      throw ApiError.forbidden(
          "this console has no password, so it answers only requests from this machine to localhost");
    }
  }

  private Caller caller(Request request) {
    Sessions.Session session = null;
    for (HttpCookie c : Request.getCookies(request)) {
      if (c.getName().equals(COOKIE)) {
        session = sessions.find(c.getValue()).orElse(null);
        if (session != null) {
          break;
        }
      }
    }
    String auth = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    boolean bearer = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)
        && sessions.checkBearer(auth.substring(7).trim());
    if (auth != null && !bearer && sessions.loginRequired()) {
      throw ApiError.unauthorized("the bearer token is not the console's password");
    }
    boolean authenticated = !sessions.loginRequired() || bearer || session != null && session.authenticated();
    return new Caller(session, bearer, authenticated);
  }

  private static void requireCsrf(Request request, Caller caller) {
    if (caller.bearer()) {
      return; // a browser never sends the bearer token by itself, so it needs no CSRF token
    }
    Sessions.Session s = caller.session();
    if (s == null || !Sessions.sameToken(s.csrf(), request.getHeaders().get(CSRF_HEADER))) {
      throw ApiError.forbidden("a write needs the session's CSRF token in the " + CSRF_HEADER + " header");
    }
  }

  private JsonNode session(Request request, Response response, Caller caller) {
    Sessions.Session s = caller.session();
    if (s == null && !sessions.loginRequired()) {
      s = sessions.open(true);
      setCookie(request, response, s);
    }
    return sessionAnswer(s, caller.authenticated());
  }

  private JsonNode login(Request request, Response response, Caller caller) {
    if (!sessions.loginRequired()) {
      return session(request, response, caller);
    }
    JsonNode body = body(request);
    JsonNode password = body.get("password");
    if (password == null || !password.isTextual()) {
      throw ApiError.badRequest("a login needs {\"password\": \"...\"}");
    }
    if (!sessions.checkPassword(password.asText())) {
      throw ApiError.unauthorized("wrong password");
    }
    if (caller.session() != null) {
      sessions.close(caller.session().id());
    }
    Sessions.Session s = sessions.open(true);
    setCookie(request, response, s);
    return sessionAnswer(s, true);
  }

  private ObjectNode sessionAnswer(Sessions.@Nullable Session s, boolean authenticated) {
    ObjectNode n = Json.NODES.objectNode();
    n.put("loginRequired", sessions.loginRequired());
    n.put("authenticated", authenticated);
    n.put("writesEnabled", options.writesEnabled());
    n.put("csrf", s == null || !authenticated ? null : s.csrf());
    return n;
  }

  private static void setCookie(Request request, Response response, Sessions.Session s) {
    String path = contextPath(request);
    HttpCookie cookie = HttpCookie.build(COOKIE, s.id())
        .path(path.isEmpty() ? "/" : path)
        .httpOnly(true)
        .secure(true)
        .sameSite(HttpCookie.SameSite.STRICT)
        .maxAge(Sessions.LIFETIME.toSeconds())
        .build();
    Response.addCookie(response, cookie);
  }

  /** Where the console is mounted: {@code ""} at the root of a server. */
  private static String contextPath(Request request) {
    String path = Request.getContextPath(request);
    return path == null ? "" : path;
  }

  private JsonNode body(Request request) {
    if (request.getLength() > MAX_BODY) {
      throw ApiError.badRequest("the request body is longer than " + MAX_BODY + " bytes");
    }
    String text;
    try {
      text = Content.Source.asString(request);
    } catch (IOException e) {
      throw ApiError.badRequest("the request body could not be read: " + e.getMessage());
    }
    if (text.length() > MAX_BODY) {
      throw ApiError.badRequest("the request body is longer than " + MAX_BODY + " bytes");
    }
    return text.isBlank() ? Json.NODES.objectNode() : json.read(text);
  }

  // --- reads ---

  private JsonNode events(Fields query) {
    List<String> names = values(query, "name");
    List<String> types = values(query, "aggregateType");
    UUID[] ids = values(query, "aggregateId").stream().map(id -> uuid("aggregateId", id)).toArray(UUID[]::new);
    Instant from = instant(query, "from");
    Instant to = instant(query, "to");
    long after = number(query, "after", 0, 0, Long.MAX_VALUE);
    long until = number(query, "until", Long.MAX_VALUE, 0, Long.MAX_VALUE);
    int limit = (int) number(query, "limit", DEFAULT_PAGE, 1, MAX_PAGE);
    LongFunction<EventQuery> page = start -> {
      EventQuery.Builder b = EventQuery.builder().sortBy(SortField.POSITION).limit(limit + 1);
      if (!names.isEmpty()) {
        b.names(names);
      }
      if (!types.isEmpty()) {
        b.aggregateNames(types.toArray(String[]::new));
      }
      if (ids.length > 0) {
        b.aggregateIds(ids);
      }
      if (from != null) {
        b.timeMin(from);
      }
      if (to != null) {
        b.timeMax(to);
      }
      if (start > 0) {
        b.afterPosition(start);
      }
      return b.build();
    };
    ObjectNode n = Json.NODES.objectNode();
    ArrayNode list = n.putArray("events");
    long[] last = {-1};
    boolean[] more = {false};
    Reading.read(options.store(), page, after, new Reading.Visitor() {
      @Override
      public boolean event(Event<?> e) {
        return add(e.position(), json.event(e));
      }

      @Override
      public boolean undecodable(EventDecodingException failure) {
        return add(failure.position(), json.undecodable(failure));
      }

      private boolean add(long position, ObjectNode entry) {
        if (position > until) {
          return false;
        }
        if (list.size() == limit) {
          more[0] = true;
          return false;
        }
        list.add(entry);
        last[0] = position;
        return true;
      }
    });
    if (more[0]) {
      n.put("next", last[0]);
    } else {
      n.putNull("next");
    }
    return n;
  }

  private JsonNode aggregateTypes() {
    ObjectNode n = Json.NODES.objectNode();
    ArrayNode list = n.putArray("types");
    options.aggregates().keySet().stream().sorted().forEach(list::add);
    return n;
  }

  private JsonNode aggregate(String type, String idText, Fields query) {
    UUID id = uuid("id", idText);
    long requested = number(query, "version", 0, 1, Integer.MAX_VALUE);
    // by position, which within one aggregate is its version order, so a read can resume
    LongFunction<EventQuery> stream = start -> {
      EventQuery.Builder b = EventQuery.builder().aggregate(type, id).sortBy(SortField.POSITION).limit(MAX_STREAM + 1);
      if (start > 0) {
        b.afterPosition(start);
      }
      return b.build();
    };
    ObjectNode n = Json.NODES.objectNode();
    n.put("type", type);
    n.put("id", id.toString());
    ArrayNode list = n.putArray("events");
    int[] latest = {0};
    Reading.read(options.store(), stream, 0, new Reading.Visitor() {
      @Override
      public boolean event(Event<?> e) {
        latest[0] = e.aggregate().map(r -> r.version()).orElse(latest[0]);
        return add(json.event(e));
      }

      @Override
      public boolean undecodable(EventDecodingException failure) {
        return add(json.undecodable(failure));
      }

      private boolean add(ObjectNode entry) {
        if (list.size() == MAX_STREAM) {
          n.put("truncated", true);
          return false;
        }
        list.add(entry);
        return true;
      }
    });
    ConsoleOptions.AggregateView<?> view = options.aggregates().get(type);
    if (list.isEmpty() && view == null) {
      throw ApiError.notFound("no events of aggregate " + type + " " + id);
    }
    n.put("latestVersion", latest[0]);
    n.put("version", requested == 0 ? latest[0] : requested);
    if (view == null) {
      n.putNull("state");
      n.put("stateNote", "the aggregate type '" + type + "' is not registered with the console");
      return n;
    }
    try {
      AggregateRoot a = requested == 0
          ? view.repository().fetch(id)
          : view.repository().fetchVersion(id, (int) requested);
      n.put("version", a.version());
      n.set("state", json.mapper().valueToTree(view.stateOf(a)));
    } catch (VersionNotFoundException e) {
      throw ApiError.notFound(e.getMessage());
    } catch (RuntimeException e) {
      n.putNull("state");
      n.put("stateNote", "the state could not be rebuilt: " + e.getClass().getSimpleName() + ": " + e.getMessage());
    }
    return n;
  }

  // --- parameters and answers ---

  private static List<String> values(Fields query, String name) {
    var out = new ArrayList<String>();
    List<String> given = query.getValues(name);
    if (given == null) {
      return out;
    }
    for (String v : given) {
      if (!v.isBlank()) {
        out.add(v.strip());
      }
    }
    return out;
  }

  private static UUID uuid(String parameter, String text) {
    try {
      return UUID.fromString(text);
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest(parameter + " must be a UUID");
    }
  }

  private static @Nullable Instant instant(Fields query, String name) {
    String v = query.getValue(name);
    if (v == null || v.isBlank()) {
      return null;
    }
    try {
      return Instant.parse(v.strip());
    } catch (DateTimeParseException e) {
      throw ApiError.badRequest(name + " must be an ISO-8601 instant such as 2026-01-31T12:00:00Z");
    }
  }

  private static long number(Fields query, String name, long absent, long min, long max) {
    String v = query.getValue(name);
    if (v == null || v.isBlank()) {
      return absent;
    }
    try {
      long n = Long.parseLong(v.strip());
      if (n < min || n > max) {
        throw ApiError.badRequest(name + " must be between " + min + " and " + max);
      }
      return n;
    } catch (NumberFormatException e) {
      throw ApiError.badRequest(name + " must be a whole number");
    }
  }

  private static ObjectNode error(@Nullable String message) {
    return Json.NODES.objectNode().put("error", message == null ? "error" : message);
  }

  private void send(Response response, Callback callback, int status, JsonNode body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json; charset=utf-8");
    response.write(true, ByteBuffer.wrap(json.write(body)), callback);
  }
}
