package dev.vmbackup.workflows;

/** Task queue names. Workflows run anywhere; host actions run on the worker of the host that has the VM. */
public final class TaskQueues {
  /** The shared queue every workflow worker polls. */
  public static final String WORKFLOWS = "vmbackup";

  private static final String HOST_PREFIX = "vmbackup-host-";

  private TaskQueues() {}

  /** The queue of the worker on {@code host}. */
  public static String host(String host) {
    return HOST_PREFIX + host;
  }
}
