package dev.vmbackup.starter;

import picocli.CommandLine;

/** Entry point of the {@code vmbackup} command. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    // Logs go to stderr. A worker shows what it does; any other command prints its result and, on
    // failure, one line, so its embedded worker stays silent unless VMBACKUP_DEBUG is set.
    boolean worker = args.length > 0 && args[0].equals("worker");
    boolean debug = System.getenv("VMBACKUP_DEBUG") != null;
    if (System.getProperty("VMBACKUP_LOG_LEVEL") == null && System.getenv("VMBACKUP_LOG_LEVEL") == null) {
      System.setProperty("VMBACKUP_LOG_LEVEL", worker || debug ? "INFO" : "OFF");
      System.setProperty("VMBACKUP_SDK_LOG_LEVEL", worker || debug ? "WARN" : "OFF");
    }
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code: 0 on success, 1 on failure, 2 on bad usage. */
  public static int run(String... args) {
    return run(null, null, args);
  }

  /**
   * As {@link #run(String...)}, printing to {@code out} and {@code err} (null: stdout and stderr), so that
   * tests run the command line exactly as the {@code vmbackup} command does.
   */
  static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
    CommandLine commandLine = VmbackupCommand.commandLine(args);
    if (out != null) {
      commandLine.setOut(out);
    }
    if (err != null) {
      commandLine.setErr(err);
    }
    commandLine.setExecutionExceptionHandler(new FailureReporter());
    commandLine.setParameterExceptionHandler((ex, params) -> {
      ex.getCommandLine().getErr().println("vmbackup: " + ex.getMessage());
      ex.getCommandLine().getErr().println("Try 'vmbackup " + ex.getCommandLine().getCommandName() + " --help'.");
      return 2;
    });
    return commandLine.execute(args);
  }
}
