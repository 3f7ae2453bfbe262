package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * A backup policy: which VMs, how, when, and how many backups to keep. Creating a policy creates a
 * Temporal Schedule whose action is the plan workflow with this policy.
 *
 * @param name letters, digits and . _ + - ; the schedule is {@code vmbackup-policy-<name>}
 * @param domains the VMs by name
 * @param domainGlob or every VM of the host whose name matches this glob ({@code *}, {@code ?})
 * @param host the hypervisor host of the VMs; give either this or {@code hosts} (neither: the workflow
 *     worker's own host, as before fleet policies)
 * @param maxConcurrentPerHost backups that run at once on the host; default 2
 * @param retention pruned after each run; null keeps everything
 * @param repository a repository of the host's configuration, by name; null for the host's default
 * @param hooks hooks of the host's configuration, by name
 * @param notification a notification of the host's configuration, by name
 * @param maxChainLength strategy {@code chain}: see {@link BackupRequest#maxChainLength()}
 * @param fullEvery strategies {@code incremental} and {@code differential}: see {@link BackupRequest#fullEvery()}
 * @param hosts a fleet policy: host names and/or globs ({@code hv*}) matched against the registered hosts;
 *     each run is a {@code FleetPlanWorkflow}. Null or empty for a single-host policy
 * @param maxConcurrent fleet policies: backups that run at once across all hosts; null for no fleet-wide
 *     limit (each host still runs at most {@code maxConcurrentPerHost})
 * @param startSpreadSeconds backups start at deterministic random offsets within this many seconds of
 *     the run's start (of each host's part of it, in a fleet run), so that many VMs do not snapshot in
 *     the same second; null or 0 starts them as soon as a slot is free
 * @param inventorySeconds fleet policies: how long each host's worker has to take the run's inventory
 *     before the host is reported skipped; null for 30
 */
public record BackupPolicy(
    String name,
    List<String> domains,
    String domainGlob,
    String host,
    Strategy strategy,
    CaptureMode capture,
    String repository,
    PolicySchedule schedule,
    RetentionPolicy retention,
    Integer maxConcurrentPerHost,
    Hooks hooks,
    Notify notification,
    Integer maxChainLength,
    Integer fullEvery,
    List<String> hosts,
    Integer maxConcurrent,
    Integer startSpreadSeconds,
    Integer inventorySeconds) {
  public BackupPolicy {
    domains = domains == null ? List.of() : List.copyOf(domains);
    hosts = hosts == null ? List.of() : List.copyOf(hosts);
  }

  /** A single-host policy, as before fleet policies. */
  public BackupPolicy(String name, List<String> domains, String domainGlob, String host, Strategy strategy,
      CaptureMode capture, String repository, PolicySchedule schedule, RetentionPolicy retention,
      Integer maxConcurrentPerHost, Hooks hooks, Notify notification, Integer maxChainLength, Integer fullEvery) {
    this(name, domains, domainGlob, host, strategy, capture, repository, schedule, retention, maxConcurrentPerHost,
        hooks, notification, maxChainLength, fullEvery, null, null, null, null);
  }

  /** A policy with the default chain length. */
  public BackupPolicy(String name, List<String> domains, String domainGlob, String host, Strategy strategy,
      CaptureMode capture, String repository, PolicySchedule schedule, RetentionPolicy retention,
      Integer maxConcurrentPerHost, Hooks hooks, Notify notification) {
    this(name, domains, domainGlob, host, strategy, capture, repository, schedule, retention, maxConcurrentPerHost,
        hooks, notification, null, null);
  }

  public int concurrency() {
    return maxConcurrentPerHost == null || maxConcurrentPerHost < 1 ? 2 : maxConcurrentPerHost;
  }

  /** How long a fleet run waits for each host's worker to take the inventory. */
  public java.time.Duration inventoryPickup() {
    return java.time.Duration.ofSeconds(inventorySeconds == null ? 30 : inventorySeconds);
  }

  /**
   * Whether runs of this policy are fleet runs ({@code FleetPlanWorkflow}) rather than plan runs of one
   * host. Not named like a getter, so that the policy's JSON has no such field.
   */
  public boolean fleet() {
    return !hosts.isEmpty();
  }

  /**
   * This policy's part on one host of a fleet run: the same policy for {@code host} alone, backing up
   * exactly {@code domains} (what the host's inventory found), at most {@code perHostLimit} at once.
   */
  public BackupPolicy forHost(String host, List<String> domains, int perHostLimit) {
    return new BackupPolicy(name, domains, null, host, strategy, capture, repository, schedule, retention,
        perHostLimit, hooks, notification, maxChainLength, fullEvery, null, null, startSpreadSeconds, null);
  }
}
