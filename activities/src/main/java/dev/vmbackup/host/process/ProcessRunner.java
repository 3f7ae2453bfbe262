package dev.vmbackup.host.process;

import java.time.Duration;
import java.util.List;

/**
 * Runs a host command from an argument list; never through a shell, so no argument is ever
 * interpreted. Output is captured; stdin is closed.
 */
public final class ProcessRunner {
  /**
   * Runs the command and waits for it.
   *
   * @return the result, whatever the exit code
   * @throws CommandFailedException if it cannot be started or runs past the timeout (it is killed)
   */
  public CommandResult run(List<String> command, Duration timeout) {
    throw new UnsupportedOperationException("TODO");
  }

  /** Runs the command and throws {@link CommandFailedException} with its stderr unless it exits 0. */
  public CommandResult runChecked(List<String> command, Duration timeout) {
    throw new UnsupportedOperationException("TODO");
  }
}
