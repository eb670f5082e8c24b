package dev.fabula.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code fabula dead-letters <schedule> [--retry ID | --evict ID] [--projection P]}: lists a
 * schedule's dead letters through the console, or retries or evicts one of them.
 */
@Command(name = "dead-letters", mixinStandardHelpOptions = true,
    description = "List a projection schedule's dead letters, or retry (--retry) or evict (--evict) one by event id.")
final class DeadLettersCommand implements Callable<Integer> {
  @ParentCommand Fabula root;
  @Spec CommandSpec spec;
  @Mixin ConsoleOption console;

  @Parameters(index = "0", paramLabel = "SCHEDULE", description = "The schedule's name, as `fabula projections` lists it.")
  String schedule = "";

  @Option(names = "--retry", paramLabel = "EVENT_ID",
      description = "Apply the event again to the projection that failed on it; the letter goes when that succeeds.")
  @Nullable String retry;

  @Option(names = "--evict", paramLabel = "EVENT_ID", description = "Remove the letter without applying its event.")
  @Nullable String evict;

  @Option(names = "--projection", paramLabel = "NAME",
      description = "The projection the letter belongs to; needed when several failed on the event.")
  @Nullable String projection;

  @Option(names = "--json", description = "Print the console's answer as one JSON document.")
  boolean json;

  @Override
  public Integer call() {
    if (retry != null && evict != null) {
      throw new CliException(Exit.USAGE, "give --retry or --evict, not both");
    }
    if (projection != null && retry == null && evict == null) {
      throw new CliException(Exit.USAGE, "--projection names the letter of --retry or --evict");
    }
    ConsoleClient client = console.client(root.mapper);
    String path = "api/projections/" + ConsoleClient.segment(schedule);
    PrintWriter out = spec.commandLine().getOut();
    String id = retry != null ? retry : evict;
    if (id == null) {
      return list(client.get(path), out);
    }
    try {
      UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      throw new CliException(Exit.USAGE, "the event id must be a UUID, not " + id);
    }
    String action = retry != null ? "retry" : "evict";
    ObjectNode body = root.mapper.createObjectNode();
    if (projection != null) {
      body.put("projection", projection);
    }
    JsonNode answer = client.post(path + "/dead-letters/" + ConsoleClient.segment(id) + "/" + action, body);
    if (json) {
      out.println(answer);
    } else {
      out.println(schedule + ": " + (retry != null ? "retried" : "evicted") + " event " + id + " of projection "
          + answer.path("projection").asText() + "; " + answer.path("deadLetterCount").asText() + " dead letters left");
    }
    out.flush();
    return Exit.OK;
  }

  private int list(JsonNode answer, PrintWriter out) {
    PrintWriter err = spec.commandLine().getErr();
    if (json) {
      out.println(answer);
      out.flush();
      return Exit.OK;
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"PROJECTION", "POSITION", "EVENT", "ID", "ERROR"});
    JsonNode letters = answer.path("deadLetters");
    for (JsonNode l : letters) {
      rows.add(new String[] {
        l.path("projection").asText(), l.path("position").asText(), l.path("eventName").asText(),
        l.path("eventId").asText(), l.path("error").asText()});
    }
    Table.print(out, rows);
    long count = answer.path("deadLetterCount").asLong();
    if (count > letters.size()) {
      err.println("(the oldest " + letters.size() + " of " + count + " shown)");
      err.flush();
    }
    out.flush();
    return Exit.OK;
  }
}
