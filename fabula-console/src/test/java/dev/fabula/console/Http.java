package dev.fabula.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * A client of the console's API as a script would be: keeps the session cookie by hand (the JDK's
 * cookie manager does not send a Secure cookie over plain HTTP, which a browser does on localhost).
 */
final class Http {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final URI base;
  @Nullable String cookie;
  @Nullable String csrf;
  @Nullable String bearer;

  record Answer(int status, String body, Map<String, List<String>> headers) {
    JsonNode json() {
      try {
        return MAPPER.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException(body, e);
      }
    }

    Optional<String> header(String name) {
      List<String> v = headers.get(name);
      return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.getFirst());
    }

    List<String> setCookies() {
      return headers.getOrDefault("set-cookie", List.of());
    }
  }

  Http(URI base) {
    this.base = base;
  }

  Answer get(String path) {
    return send("GET", path, null);
  }

  Answer post(String path, String json) {
    return send("POST", path, json);
  }

  /** Opens a session (GET api/session) and keeps its cookie and CSRF token. */
  Answer session() {
    Answer a = get("api/session");
    remember(a);
    return a;
  }

  Answer login(String password) {
    Answer a = post("api/login", "{\"password\": " + MAPPER.valueToTree(password) + "}");
    remember(a);
    return a;
  }

  private void remember(Answer a) {
    for (String c : a.setCookies()) {
      if (c.startsWith(ConsoleHandler.COOKIE + "=")) {
        cookie = c.substring(0, c.indexOf(';'));
      }
    }
    if (a.status() == 200 && a.json().hasNonNull("csrf")) {
      csrf = a.json().get("csrf").asText();
    }
  }

  private Answer send(String method, String path, @Nullable String body) {
    try {
      var c = (HttpURLConnection) base.resolve(path).toURL().openConnection();
      c.setRequestMethod(method);
      c.setInstanceFollowRedirects(false);
      c.setConnectTimeout(30_000);
      c.setReadTimeout(60_000);
      if (cookie != null) {
        c.setRequestProperty("Cookie", cookie);
      }
      if (bearer != null) {
        c.setRequestProperty("Authorization", "Bearer " + bearer);
      }
      if (body != null) {
        c.setDoOutput(true);
        c.setRequestProperty("Content-Type", "application/json");
        if (csrf != null) {
          c.setRequestProperty("X-CSRF-Token", csrf);
        }
        try (OutputStream out = c.getOutputStream()) {
          out.write(body.getBytes(StandardCharsets.UTF_8));
        }
      }
      int status = c.getResponseCode();
      InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
      String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
      var headers = new TreeMap<String, List<String>>(String.CASE_INSENSITIVE_ORDER);
      c.getHeaderFields().forEach((k, v) -> {
        if (k != null) {
          headers.put(k, v);
        }
      });
      return new Answer(status, text, headers);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
