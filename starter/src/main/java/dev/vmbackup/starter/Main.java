package dev.vmbackup.starter;

import picocli.CommandLine;

/** Entry point of the {@code vmbackup} command. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    // Logs go to stderr; a command line shows warnings only, a worker shows its activity.
    boolean worker = args.length > 0 && args[0].equals("worker");
    if (System.getProperty("VMBACKUP_LOG_LEVEL") == null && System.getenv("VMBACKUP_LOG_LEVEL") == null) {
      System.setProperty("VMBACKUP_LOG_LEVEL", worker ? "INFO" : "WARN");
    }
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code: 0 on success, 1 on failure, 2 on bad usage. */
  public static int run(String... args) {
    CommandLine commandLine = new CommandLine(new VmbackupCommand());
    commandLine.setExecutionExceptionHandler(new FailureReporter());
    commandLine.setParameterExceptionHandler((ex, params) -> {
      ex.getCommandLine().getErr().println("vmbackup: " + ex.getMessage());
      ex.getCommandLine().getErr().println("Try 'vmbackup " + ex.getCommandLine().getCommandName() + " --help'.");
      return 2;
    });
    return commandLine.execute(args);
  }
}
