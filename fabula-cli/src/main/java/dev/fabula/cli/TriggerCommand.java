package dev.fabula.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code fabula trigger <schedule> [--reset]}: runs a job on a schedule through the console and,
 * unless {@code --no-wait}, follows it to its end with a progress bar.
 */
@Command(name = "trigger", mixinStandardHelpOptions = true,
    description = "Run a job on a projection schedule (--reset rebuilds its projections) and wait for it to end.")
final class TriggerCommand implements Callable<Integer> {
  @ParentCommand Fabula root;
  @Spec CommandSpec spec;
  @Mixin ConsoleOption console;
  @Mixin ProgressOption progress;

  @Parameters(index = "0", paramLabel = "SCHEDULE", description = "The schedule's name, as `fabula projections` lists it.")
  String schedule = "";

  @Option(names = "--reset", description = "Rebuild: reset the schedule's projections and replay the store from the start.")
  boolean reset;

  @Option(names = "--no-wait", description = "Return once the job started.")
  boolean noWait;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "3600",
      description = "How long to wait for the job to end (default: ${DEFAULT-VALUE}).")
  long timeoutSeconds;

  @Option(names = "--poll", paramLabel = "MILLIS", defaultValue = "200", description = "How often to ask (default: ${DEFAULT-VALUE}).")
  long pollMillis;

  @Override
  public Integer call() throws InterruptedException {
    if (timeoutSeconds < 1 || pollMillis < 1) {
      throw new CliException(Exit.USAGE, "--timeout and --poll must be positive");
    }
    ConsoleClient client = console.client(root.mapper);
    String path = "api/projections/" + ConsoleClient.segment(schedule);
    ObjectNode body = root.mapper.createObjectNode().put("reset", reset);
    JsonNode answer = client.post(path + "/trigger", body);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (noWait) {
      out.println(schedule + ": job " + answer.at("/job/id").asText() + " started");
      out.flush();
      return Exit.OK;
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
    JsonNode job = answer.path("job");
    try (Progress bar = progress.bar(err, reset ? "rebuilding " + schedule : "running " + schedule, 1000)) {
      while (job.path("state").asText().equals("running")) {
        bar.update(Math.round(job.path("progress").asDouble() * 1000));
        if (System.nanoTime() > deadline) {
          throw new CliException(Exit.FAILED, schedule + ": the job is still running after " + timeoutSeconds + " s");
        }
        Thread.sleep(pollMillis);
        job = client.get(path).path("job");
      }
      bar.update(Math.round(job.path("progress").asDouble() * 1000));
    }
    if (job.path("state").asText().equals("failed")) {
      throw new CliException(Exit.FAILED, schedule + ": the job failed: " + job.path("error").asText());
    }
    out.println(schedule + ": " + (reset ? "rebuilt" : "caught up") + " to position " + job.path("target").asText());
    out.flush();
    return Exit.OK;
  }
}
