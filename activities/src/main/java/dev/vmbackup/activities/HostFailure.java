package dev.vmbackup.activities;

import dev.vmbackup.workflows.FailureType;

/** A failure an activity has already classified as one retrying cannot fix. */
public class HostFailure extends RuntimeException {
  private final FailureType type;

  public HostFailure(FailureType type, String message) {
    super(message);
    this.type = type;
  }

  public FailureType type() {
    return type;
  }
}
