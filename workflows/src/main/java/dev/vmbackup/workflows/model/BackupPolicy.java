package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * A backup policy: which VMs, how, when, and how many backups to keep. Creating a policy creates a
 * Temporal Schedule whose action is the plan workflow with this policy.
 *
 * @param name letters, digits and . _ + - ; the schedule is {@code vmbackup-policy-<name>}
 * @param domains the VMs by name
 * @param domainGlob or every VM of the host whose name matches this glob ({@code *}, {@code ?})
 * @param host the hypervisor host of the VMs
 * @param maxConcurrentPerHost backups that run at once on the host; default 2
 * @param retention pruned after each run; null keeps everything
 * @param repository a repository of the host's configuration, by name; null for the host's default
 * @param hooks hooks of the host's configuration, by name
 * @param notification a notification of the host's configuration, by name
 * @param maxChainLength strategy {@code chain}: see {@link BackupRequest#maxChainLength()}
 * @param fullEvery strategies {@code incremental} and {@code differential}: see {@link BackupRequest#fullEvery()}
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
    Integer fullEvery) {
  public BackupPolicy {
    domains = domains == null ? List.of() : List.copyOf(domains);
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
}
