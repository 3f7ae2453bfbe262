package dev.vmbackup.host.process;

/** A command exited non-zero, could not be started, or ran past its timeout. */
public class CommandFailedException extends RuntimeException {
  private final transient CommandResult result;

  public CommandFailedException(String message, CommandResult result) {
    super(message);
    this.result = result;
  }

  /** The result, or null if the command never finished. */
  public CommandResult result() {
    return result;
  }
}
