package dev.vmbackup.host.process;

import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Runs a host command from an argument list; never through a shell, so no argument is ever
 * interpreted. Output is captured; stdin is closed.
 */
public final class ProcessRunner {
  /** How long to wait for the output of a killed command to drain before giving up on it. */
  private static final Duration DRAIN_AFTER_KILL = Duration.ofSeconds(5);
  /** Longest stderr excerpt put into an exception message, so that a message stays one short line. */
  private static final int MAX_MESSAGE_DETAIL = 500;

  /**
   * Runs the command and waits for it.
   *
   * @return the result, whatever the exit code
   * @throws CommandFailedException if it cannot be started or runs past the timeout (it is killed)
   */
  public CommandResult run(List<String> command, Duration timeout) {
    return run(command, java.util.Map.of(), timeout);
  }

  /** Runs the command with these variables added to its environment, and waits for it. */
  public CommandResult run(List<String> command, java.util.Map<String, String> environment, Duration timeout) {
    List<String> argv = List.copyOf(command);
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("command is empty");
    }
    Process process;
    try {
      // Reading /dev/null gives the command an immediate end of file, so nothing can ever wait for input.
      ProcessBuilder builder = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      builder.environment().putAll(environment);
      process = builder.start();
    } catch (IOException | RuntimeException e) {
      throw new CommandFailedException(describe(argv) + " could not be started: " + oneLine(e.getMessage()), null);
    }
    // Both pipes are drained at the same time: a command that fills one pipe while we block on the
    // other would otherwise wait forever.
    OutputCollector stdout = OutputCollector.start(process.getInputStream(), "stdout of pid " + process.pid());
    OutputCollector stderr = OutputCollector.start(process.getErrorStream(), "stderr of pid " + process.pid());
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        kill(process);
        stdout.await(DRAIN_AFTER_KILL);
        stderr.await(DRAIN_AFTER_KILL);
        throw new CommandFailedException(
            describe(argv) + " timed out after " + readable(timeout) + " and was killed", null);
      }
      // The pipes close when every process holding them has exited. A background child the command
      // left behind may keep them open; we then take what was captured by the deadline.
      stdout.await(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
      stderr.await(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    } catch (InterruptedException e) {
      kill(process);
      Thread.currentThread().interrupt();
      throw new CommandFailedException(describe(argv) + " was interrupted and killed", null);
    }
    return new CommandResult(argv, process.exitValue(), stdout.text(), stderr.text());
  }

  /** Runs the command and throws {@link CommandFailedException} with its stderr unless it exits 0. */
  public CommandResult runChecked(List<String> command, Duration timeout) {
    CommandResult result = run(command, timeout);
    if (!result.succeeded()) {
      throw new CommandFailedException(failureMessage(result), result);
    }
    return result;
  }

  /**
   * One line describing a failed command: {@code qemu-img check /x failed (exit 2): <first line of
   * stderr>}.
   */
  public static String failureMessage(CommandResult result) {
    String detail = firstLine(result.stderr());
    if (detail.isEmpty()) {
      detail = firstLine(result.stdout());
    }
    String message = describe(result.command()) + " failed (exit " + result.exitCode() + ")";
    return detail.isEmpty() ? message : message + ": " + detail;
  }

  /** The command as an operator would type it; arguments with blanks or quotes are single-quoted. */
  public static String describe(List<String> command) {
    return command.stream().map(ProcessRunner::quoteForDisplay).collect(Collectors.joining(" "));
  }

  /** {@code 90s}, {@code 1m30s}, {@code 12h}: ISO-8601 without its {@code PT} prefix. */
  private static String readable(Duration duration) {
    return duration.toString().replaceFirst("^PT", "").toLowerCase(Locale.ROOT);
  }

  private static String quoteForDisplay(String argument) {
    if (!argument.isEmpty() && argument.chars().noneMatch(c -> Character.isWhitespace(c) || c == '\'' || c == '"')) {
      return argument;
    }
    return "'" + argument.replace("'", "'\\''") + "'";
  }

  /** The first non-blank line of the text, shortened so that messages stay readable. */
  private static String firstLine(String text) {
    for (String line : text.split("\\R")) {
      if (!line.isBlank()) {
        return oneLine(line.strip());
      }
    }
    return "";
  }

  private static String oneLine(String text) {
    String line = text == null ? "" : text.replaceAll("\\s*\\R\\s*", " ").strip();
    return line.length() <= MAX_MESSAGE_DETAIL ? line : line.substring(0, MAX_MESSAGE_DETAIL) + "...";
  }

  /**
   * Kills the command and everything it started. The descendants are listed before the command dies,
   * because once it has died they are re-parented and can no longer be found from it.
   */
  private static void kill(Process process) {
    List<ProcessHandle> descendants = process.descendants().collect(Collectors.toList());
    process.destroyForcibly();
    descendants.forEach(ProcessHandle::destroyForcibly);
    try {
      // Reaps the command; SIGKILL cannot be ignored, so this returns promptly.
      process.waitFor(DRAIN_AFTER_KILL.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
