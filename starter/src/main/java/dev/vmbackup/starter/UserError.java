package dev.vmbackup.starter;

/** A failure the user can fix; reported as one line without a stack trace. */
public class UserError extends RuntimeException {
  public UserError(String message) {
    super(message);
  }
}
