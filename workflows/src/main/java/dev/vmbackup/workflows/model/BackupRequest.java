package dev.vmbackup.workflows.model;

/**
 * Input of the backup workflow; JSON such as {@code {"domain":"vm-001"}} starts one from the Temporal UI.
 *
 * @param domain libvirt name of the VM to back up (required)
 * @param host the hypervisor host that runs the VM; its worker polls {@code vmbackup-host-<host>}.
 *     Absent: the default host configured on the workflow worker.
 * @param capture how the guest state is captured; absent: {@link CaptureMode#QUIESCE}
 * @param repository the name of a repository in the host's configuration; absent: the host's default. An
 *     absolute path only where the host allows repository paths (the command line's embedded worker, or
 *     {@code allowRepositoryPaths}); the host refuses anything else with {@code INVALID_INPUT}
 * @param strategy absent: {@link Strategy#FULL}
 * @param maxChainLength strategy {@code chain}: how many vmbackup overlays a disk's running chain may
 *     hold after a backup (at least 2); a backup that would exceed it consolidates the chain first.
 *     Absent: {@link #DEFAULT_MAX_CHAIN_LENGTH}
 * @param hooks hooks of the host's configuration, by name, run around the snapshot; absent: none
 * @param fullEvery with {@code incremental} or {@code differential}: take a new full backup after this
 *     many incrementals (or differentials) since the last full, so that restore chains stay short; 0
 *     makes every backup a full one. With {@code chain}: start a new chain (a full copy) after this many
 *     incrementals, so that retention can delete whole old chains. Absent: {@value #DEFAULT_FULL_EVERY}
 * @param allowFullFallback with {@code incremental} or {@code differential}: back up a VM with a disk
 *     whose changes libvirt cannot track (a raw file) with a full copy every time, instead of refusing
 */
public record BackupRequest(
    String domain,
    String host,
    CaptureMode capture,
    String repository,
    Strategy strategy,
    Integer maxChainLength,
    Hooks hooks,
    Integer fullEvery,
    Boolean allowFullFallback) {

  /** Overlays a running chain holds at most, unless the request says otherwise. */
  public static final int DEFAULT_MAX_CHAIN_LENGTH = 7;
  public static final int DEFAULT_FULL_EVERY = 7;

  public BackupRequest {
    capture = capture == null ? CaptureMode.QUIESCE : capture;
    strategy = strategy == null ? Strategy.FULL : strategy;
    fullEvery = fullEvery == null ? DEFAULT_FULL_EVERY : fullEvery;
    allowFullFallback = allowFullFallback != null && allowFullFallback;
  }

  /** A request with every option at its default. */
  public BackupRequest(String domain, String host, CaptureMode capture, String repository, Strategy strategy) {
    this(domain, host, capture, repository, strategy, null, null, null, null);
  }

  /** A chain request: its length limit. */
  public BackupRequest(
      String domain, String host, CaptureMode capture, String repository, Strategy strategy, Integer maxChainLength) {
    this(domain, host, capture, repository, strategy, maxChainLength, null, null, null);
  }

  /** An incremental request: how often a full backup, and whether raw disks may fall back to full copies. */
  public BackupRequest(String domain, String host, CaptureMode capture, String repository, Strategy strategy,
      Integer fullEvery, Boolean allowFullFallback) {
    this(domain, host, capture, repository, strategy, null, null, fullEvery, allowFullFallback);
  }

  public static BackupRequest of(String domain) {
    return new BackupRequest(domain, null, null, null, null);
  }

  public BackupRequest withHost(String newHost) {
    return new BackupRequest(
        domain, newHost, capture, repository, strategy, maxChainLength, hooks, fullEvery, allowFullFallback);
  }

  /** The chain length limit in effect. */
  public int effectiveMaxChainLength() {
    return maxChainLength == null ? DEFAULT_MAX_CHAIN_LENGTH : maxChainLength;
  }
}
