package dev.fabula.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** {@code --console} and {@code --token}: where a running application's console answers. */
final class ConsoleOption {
  @Option(names = "--console", required = true, paramLabel = "URL",
      description = "The console's address, e.g. http://127.0.0.1:8089 (or where it is mounted).")
  String url = "";

  @Option(names = "--token", paramLabel = "PASSWORD", defaultValue = "${env:FABULA_CONSOLE_TOKEN}",
      description = "The console's password, sent as a bearer token (default: $FABULA_CONSOLE_TOKEN).")
  @Nullable String token;

  ConsoleClient client(ObjectMapper mapper) {
    String t = token;
    return new ConsoleClient(url, t == null || t.isBlank() ? null : t, mapper);
  }
}
