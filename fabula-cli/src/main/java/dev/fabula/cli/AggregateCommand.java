package dev.fabula.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fabula.event.Event;
import dev.fabula.event.EventQuery;
import java.io.PrintWriter;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code fabula aggregate <type> <id> [--version n]}: over a console, the aggregate's state at a
 * version (where the application registered its type) and its stream; on a store, its stream up
 * to that version as export lines.
 */
@Command(name = "aggregate",
    description = "Show one aggregate: its state and stream over a console, its stream (as export lines) on a store.")
final class AggregateCommand implements Callable<Integer> {
  @ParentCommand Fabula root;
  @Spec CommandSpec spec;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source = new Source();

  @Parameters(index = "0", paramLabel = "TYPE", description = "The aggregate type, e.g. product.")
  String type = "";

  @Parameters(index = "1", paramLabel = "ID", description = "The aggregate id (a UUID).")
  String id = "";

  // No standard help mixin: its -V/--version would take the name of the version option.
  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
  boolean help;

  @Option(names = "--version", paramLabel = "N", description = "Up to this version (default: the latest).")
  @Nullable Integer version;

  @Option(names = "--json", description = "Over a console: print its answer as one JSON document.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    UUID aggregateId;
    try {
      aggregateId = UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      throw new CliException(Exit.USAGE, "the aggregate id must be a UUID, not " + id);
    }
    if (version != null && version < 1) {
      throw new CliException(Exit.USAGE, "--version must be at least 1");
    }
    PrintWriter out = spec.commandLine().getOut();
    if (source.console != null) {
      String path = "api/aggregates/" + ConsoleClient.segment(type) + "/" + aggregateId + (version == null ? "" : "?version=" + version);
      JsonNode a = source.console.client(root.mapper).get(path);
      if (a.path("latestVersion").asInt() == 0) {
        throw new CliException(Exit.NOT_FOUND, "no events of aggregate " + type + "/" + aggregateId);
      }
      if (json) {
        out.println(a);
      } else {
        print(a, out);
      }
      out.flush();
      return Exit.OK;
    }
    try (StoreOption.Opened opened = source.store.open()) {
      EventQuery.Builder query = EventQuery.builder().aggregateNames(type).aggregateIds(aggregateId);
      if (version != null) {
        query.versionMax(version);
      }
      int found = 0;
      int last = 0;
      try (Stream<Event<?>> events = opened.store().query(query.build())) {
        for (Event<?> e : (Iterable<Event<?>>) events::iterator) {
          out.println(root.lines.write(e));
          found++;
          last = e.aggregateOrNull().version();
        }
      }
      out.flush();
      if (found == 0) {
        throw new CliException(Exit.NOT_FOUND, "no events of aggregate " + type + "/" + aggregateId);
      }
      if (version != null && last < version) {
        throw new CliException(Exit.NOT_FOUND, type + "/" + aggregateId + " has no version " + version + ": its last is " + last);
      }
    }
    return Exit.OK;
  }

  private static void print(JsonNode a, PrintWriter out) {
    out.println(a.path("type").asText() + "/" + a.path("id").asText() + " at version " + a.path("version").asText()
        + " of " + a.path("latestVersion").asText());
    JsonNode state = a.path("state");
    out.println("state: " + (state.isNull() || state.isMissingNode() ? "not available (" + a.path("stateNote").asText() + ")" : state));
    out.println("events:");
    for (JsonNode e : a.path("events")) {
      out.println("  " + e.at("/aggregate/version").asInt() + "  " + e.path("time").asText() + "  " + e.path("name").asText()
          + "  " + (e.path("payload").isNull() ? "(" + e.path("payloadStatus").asText() + ")" : e.path("payload")));
    }
  }
}
