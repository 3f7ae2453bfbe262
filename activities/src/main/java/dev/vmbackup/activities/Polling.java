package dev.vmbackup.activities;

import dev.vmbackup.host.hypervisor.Hypervisor;

/**
 * The pause between two looks at something that goes on without this attempt: a libvirt job (a block
 * job, a domain job), or an earlier attempt of the same step ({@link AttemptFence}).
 */
final class Polling {
  private Polling() {}

  /**
   * Sleeps; an interrupt (the worker shutting down) ends the activity attempt, whose retry picks up
   * what went on meanwhile.
   */
  static void pause(long millis, String waitingFor) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + waitingFor, e);
    }
  }

  /**
   * Waits while libvirt runs a job on the domain: the one a worker killed inside a blocking call (a
   * snapshot with a memory save, a save) left libvirtd to finish. Nothing may touch the VM or the
   * files of that job until it has ended.
   *
   * @return whether there was a job to wait for
   */
  static boolean untilDomainJobEnds(Hypervisor hypervisor, String domain, String waitingFor) {
    boolean waited = false;
    while (hypervisor.domainJobRunning(domain)) {
      waited = true;
      pause(1000, waitingFor);
    }
    return waited;
  }
}
