package dev.fabula.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code fabula projections}: every schedule the console knows, and every projection whose progress
 * its store keeps, with position, head and lag.
 */
@Command(name = "projections", mixinStandardHelpOptions = true,
    description = "List the console's projection schedules (and the progress its store keeps): position, head, lag,"
        + " status, dead letters, last error.")
final class ProjectionsCommand implements Callable<Integer> {
  @ParentCommand Fabula root;
  @Spec CommandSpec spec;
  @Mixin ConsoleOption console;

  @Option(names = "--json", description = "Print the console's answer as one JSON document.")
  boolean json;

  @Override
  public Integer call() {
    JsonNode answer = console.client(root.mapper).get("api/projections");
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(answer);
      return Exit.OK;
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"NAME", "POSITION", "HEAD", "LAG", "STATUS", "DEAD", "LAST ERROR"});
    for (JsonNode p : answer.path("projections")) {
      rows.add(new String[] {
        p.path("name").asText(), p.path("position").asText(), p.path("head").asText(), p.path("lag").asText(),
        p.path("status").asText(), p.path("deadLetterCount").isNull() ? "-" : p.path("deadLetterCount").asText(),
        p.path("lastError").isNull() || p.path("lastError").isMissingNode() ? "-" : p.path("lastError").asText()});
    }
    Table.print(out, rows);
    if (answer.hasNonNull("storedProgressError")) {
      spec.commandLine().getErr().println("fabula projections: " + answer.get("storedProgressError").asText());
    }
    return Exit.OK;
  }
}
