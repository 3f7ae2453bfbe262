package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * What one run of a policy did.
 *
 * @param outcomes one per VM, in the order the VMs were resolved
 */
public record PlanResult(String policy, String host, List<VmOutcome> outcomes) {
  public PlanResult {
    outcomes = outcomes == null ? List.of() : List.copyOf(outcomes);
  }

  /**
   * @param status {@code ok}, {@code failed}, or {@code skipped} (a backup of the VM was already running)
   * @param backupId the new backup, when ok
   * @param error the failure's message, when failed or skipped
   * @param pruned backups the retention removed after this run
   */
  public record VmOutcome(String domain, String status, String backupId, String error, List<String> pruned) {
    public VmOutcome {
      pruned = pruned == null ? List.of() : List.copyOf(pruned);
    }
  }

  public boolean allSucceeded() {
    return outcomes.stream().allMatch(outcome -> outcome.status().equals("ok"));
  }
}
