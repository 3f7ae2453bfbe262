package dev.vmbackup.client;

/** A backup or restore of the domain is running already; the message names its workflow. */
public class BackupAlreadyRunningException extends RuntimeException {
  private final String workflowId;
  private final String runId;

  public BackupAlreadyRunningException(String workflowId, String runId, String what) {
    super(what + " is already running: workflow " + workflowId + " (run " + runId + ")");
    this.workflowId = workflowId;
    this.runId = runId;
  }

  public String workflowId() {
    return workflowId;
  }

  public String runId() {
    return runId;
  }
}
