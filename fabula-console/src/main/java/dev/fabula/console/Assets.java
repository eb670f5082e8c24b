package dev.fabula.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The pages' static files, read once from the module's resources. */
final class Assets {
  record Asset(String contentType, byte[] bytes) {}

  private static final Map<String, String> FILES = Map.of(
      "/", "index.html",
      "/index.html", "index.html",
      "/console.js", "console.js",
      "/console.css", "console.css");

  private final Map<String, Asset> byPath;

  private Assets(Map<String, Asset> byPath) {
    this.byPath = byPath;
  }

  static Assets load() {
    var map = new java.util.HashMap<String, Asset>();
    FILES.forEach((path, file) -> map.put(path, new Asset(type(file), read(file))));
    return new Assets(Map.copyOf(map));
  }

  @Nullable Asset find(String path) {
    return byPath.get(path);
  }

  private static String type(String file) {
    if (file.endsWith(".html")) {
      return "text/html; charset=utf-8";
    }
    if (file.endsWith(".js")) {
      return "text/javascript; charset=utf-8";
    }
    return "text/css; charset=utf-8";
  }

  private static byte[] read(String file) {
    try (InputStream in = Assets.class.getResourceAsStream("/fabula-console-ui/" + file)) {
      if (in == null) {
        throw new IllegalStateException("the console's resource fabula-console-ui/" + file + " is missing from its jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
