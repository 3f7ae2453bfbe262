package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * What one run of a fleet policy did.
 *
 * @param hosts one per selected host, sorted by host name
 * @param unmatchedGlobs globs of the policy's {@code hosts} that matched no registered host
 * @param domainsNotFound domains the policy names that no host that answered its inventory has
 */
public record FleetPlanResult(String policy, List<HostOutcome> hosts, List<String> unmatchedGlobs,
    List<String> domainsNotFound) {
  public FleetPlanResult {
    hosts = hosts == null ? List.of() : List.copyOf(hosts);
    unmatchedGlobs = unmatchedGlobs == null ? List.of() : List.copyOf(unmatchedGlobs);
    domainsNotFound = domainsNotFound == null ? List.of() : List.copyOf(domainsNotFound);
  }

  /**
   * @param status {@code ok} (every VM backed up, or none matched), {@code partial} (some VMs failed),
   *     {@code failed} (the inventory or the host's plan failed, or every VM failed), {@code skipped}
   *     (no worker of the host took the inventory in time)
   * @param reason why, when not ok
   * @param plan the host's plan result, when its plan ran
   */
  public record HostOutcome(String host, String status, String reason, PlanResult plan) {}

  /** Whether every host and every VM succeeded, and nothing the policy names was missing. */
  public boolean allSucceeded() {
    return hosts.stream().allMatch(host -> host.status().equals("ok")) && domainsNotFound.isEmpty();
  }
}
