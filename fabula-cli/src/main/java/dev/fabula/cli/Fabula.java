package dev.fabula.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fabula.mongodb.MongoConnectionException;
import dev.fabula.postgres.PostgresConnectionException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Objects;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code fabula} command: operators' answers about a running application (over its console's
 * JSON API) and a store (by URL, read and written raw, ADR 0024). See docs/CLI.md for each
 * command and the exit codes; {@code fabula <command> --help} prints its options.
 *
 * <p>Promises: a command's data goes to standard output, its messages and progress bars to
 * standard error; it exits with one of the documented codes; it never needs or instantiates an
 * application's payload types.
 */
@Command(
    name = "fabula",
    mixinStandardHelpOptions = true,
    version = "fabula 0.1.0",
    exitCodeOnInvalidInput = Exit.USAGE,
    exitCodeOnExecutionException = Exit.FAILED,
    description = "Ask a Fabula application or store what happened, how far its projections are, and copy its events.",
    subcommands = {
      ProjectionsCommand.class,
      TriggerCommand.class,
      DeadLettersCommand.class,
      TailCommand.class,
      AggregateCommand.class,
      ExportCommand.class,
      ImportCommand.class,
      ConsoleCommand.class
    },
    footer = {"", "Exit codes: 0 done, 1 bad usage or input, 2 not found, 3 refused, 4 unreachable, 5 failed."})
public final class Fabula implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  final InputStream in;
  final ObjectMapper mapper = new ObjectMapper();
  final EventLines lines = new EventLines();

  private Fabula(InputStream in) {
    this.in = in;
  }

  /** Runs the command line {@code args} and exits with its code. */
  public static void main(String[] args) {
    var out = new PrintWriter(System.out, true);
    var err = new PrintWriter(System.err, true);
    System.exit(run(args, System.in, out, err));
  }

  /**
   * Runs the command line {@code args} in this JVM, as {@link #main} does but without exiting, with
   * an empty standard input; see {@link #run(String[], InputStream, PrintWriter, PrintWriter)}.
   */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    return run(args, InputStream.nullInputStream(), out, err);
  }

  /**
   * Runs the command line {@code args} in this JVM, as {@link #main} does but without exiting:
   * commands read {@code in} where the process would read its standard input ({@code import}),
   * write their data to {@code out} and their messages and progress to {@code err} (both flushed
   * before this returns), and return their exit code (0 done, 1 bad usage or input, 2 not found, 3
   * refused, 4 unreachable, 5 failed; docs/CLI.md). A failure is reported on {@code err} and as the
   * code, never thrown. {@code console} serves until the calling thread is interrupted. The
   * streams are not closed.
   *
   * @throws NullPointerException when an argument or an element of {@code args} is null
   */
  public static int run(String[] args, InputStream in, PrintWriter out, PrintWriter err) {
    Objects.requireNonNull(args, "args");
    for (int i = 0; i < args.length; i++) {
      Objects.requireNonNull(args[i], "args[" + i + "]");
    }
    Objects.requireNonNull(in, "in");
    Objects.requireNonNull(out, "out");
    Objects.requireNonNull(err, "err");
    try {
      return commandLine(in, out, err).execute(args.clone());
    } finally {
      out.flush();
      err.flush();
    }
  }

  /** The command line over the given streams, configured as {@link #main} runs it. */
  static CommandLine commandLine(InputStream in, PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new Fabula(in));
    configure(cl);
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler((e, line, parsed) -> {
      int code = exitCode(e);
      line.getErr().println("fabula " + line.getCommandName() + ": " + message(e));
      if (code == Exit.FAILED && !(e instanceof CliException)) {
        e.printStackTrace(line.getErr());
      }
      line.getErr().flush();
      return code;
    });
    return cl;
  }

  /** Every command, subcommands too, exits with {@link Exit}'s codes on bad input. */
  private static void configure(CommandLine cl) {
    cl.getCommandSpec().exitCodeOnInvalidInput(Exit.USAGE).exitCodeOnExecutionException(Exit.FAILED);
    cl.getSubcommands().values().forEach(Fabula::configure);
  }

  /** The exit code of a failure: its own, unreachable for a lost connection, else failed. */
  static int exitCode(Throwable e) {
    return switch (e) {
      case CliException c -> c.exitCode();
      case PostgresConnectionException c -> Exit.UNAVAILABLE;
      case MongoConnectionException c -> Exit.UNAVAILABLE;
      default -> Exit.FAILED;
    };
  }

  private static String message(Throwable e) {
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.toString() : m;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "name a command: fabula --help lists them");
  }
}
