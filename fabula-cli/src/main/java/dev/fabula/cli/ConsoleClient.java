package dev.fabula.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The console's JSON API (docs/CONSOLE-API.md) as the command line uses it: reads with an optional
 * bearer token, writes with the token or, without one, with a session cookie and its CSRF token
 * (a password-less console on loopback). Every refusal becomes a {@link CliException} with the
 * console's own message and the matching exit code.
 */
final class ConsoleClient {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final URI base;
  private final @Nullable String token;
  private final ObjectMapper mapper;
  private final HttpClient http;
  private @Nullable String cookie;
  private @Nullable String csrf;

  ConsoleClient(String url, @Nullable String token, ObjectMapper mapper) {
    this.base = baseUri(url);
    this.token = token;
    this.mapper = mapper;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  private static URI baseUri(String url) {
    URI uri;
    try {
      uri = new URI(url.endsWith("/") ? url : url + "/");
    } catch (URISyntaxException e) {
      throw new CliException(Exit.USAGE, "--console is not a URL: " + e.getMessage());
    }
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
      throw new CliException(Exit.USAGE, "--console must be an http:// or https:// URL, e.g. http://127.0.0.1:8089, not " + url);
    }
    return uri;
  }

  /** {@code value} encoded as one path segment. */
  static String segment(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** {@code value} encoded as a query parameter's value. */
  static String param(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  JsonNode get(String path) {
    HttpRequest.Builder request = request(path).GET();
    return send(request, path);
  }

  JsonNode post(String path, JsonNode body) {
    HttpRequest.Builder request = request(path)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(write(body)));
    if (token == null) {
      ensureSession();
      request.header("Cookie", cookie).header("X-CSRF-Token", csrf);
    }
    return send(request, path);
  }

  /** Opens a session on a password-less console: its cookie and CSRF token, for writes. */
  private void ensureSession() {
    if (csrf != null) {
      return;
    }
    HttpRequest.Builder request = request("api/session").GET();
    HttpResponse<byte[]> answer = exchange(request, "api/session");
    JsonNode session = check(answer, "api/session");
    for (String header : answer.headers().allValues("Set-Cookie")) {
      int end = header.indexOf(';');
      String pair = end < 0 ? header : header.substring(0, end);
      if (pair.startsWith("fabula_console=")) {
        cookie = pair;
      }
    }
    JsonNode token = session.get("csrf");
    if (cookie == null || token == null || token.isNull()) {
      throw new CliException(Exit.REFUSED, "the console requires a login: give its password with --token");
    }
    csrf = token.asText();
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT).header("Accept", "application/json");
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  private JsonNode send(HttpRequest.Builder request, String path) {
    return check(exchange(request, path), path);
  }

  private HttpResponse<byte[]> exchange(HttpRequest.Builder request, String path) {
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (ConnectException e) {
      throw new CliException(Exit.UNAVAILABLE, "cannot reach the console at " + base + ": connection refused", e);
    } catch (HttpTimeoutException e) {
      throw new CliException(Exit.UNAVAILABLE, "the console at " + base + " did not answer " + path + " in time", e);
    } catch (IOException e) {
      throw new CliException(Exit.UNAVAILABLE, "cannot reach the console at " + base + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(Exit.FAILED, "interrupted while asking the console", e);
    }
  }

  private JsonNode check(HttpResponse<byte[]> answer, String path) {
    JsonNode body;
    try {
      body = mapper.readTree(answer.body());
    } catch (IOException e) {
      throw new CliException(Exit.FAILED, base.resolve(path) + " answered " + answer.statusCode() + " with no JSON: is it a Fabula console?", e);
    }
    int status = answer.statusCode();
    if (status / 100 == 2 && body != null) {
      return body;
    }
    String error = body != null && body.hasNonNull("error") ? body.get("error").asText() : "status " + status;
    throw new CliException(switch (status) {
      case 400 -> Exit.USAGE;
      case 404 -> Exit.NOT_FOUND;
      case 401, 403, 409 -> Exit.REFUSED;
      default -> Exit.FAILED;
    }, "the console refused " + path.replaceAll("\\?.*", "") + " (" + status + "): " + error);
  }

  private byte[] write(JsonNode node) {
    try {
      return mapper.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
