package dev.vmbackup.workflows.model;

/**
 * Input of the backup workflow; JSON such as {@code {"domain":"vm-001"}} starts one from the Temporal UI.
 *
 * @param domain libvirt name of the VM to back up (required)
 * @param host the hypervisor host that runs the VM; its worker polls {@code vmbackup-host-<host>}.
 *     Absent: the default host configured on the workflow worker.
 * @param capture how the guest state is captured; absent: {@link CaptureMode#QUIESCE}
 * @param repository backup repository directory on the host; absent: the host worker's default
 * @param strategy absent: {@link Strategy#FULL}
 * @param maxChainLength strategy {@code chain}: how many vmbackup overlays a disk's running chain may
 *     hold after a backup (at least 2); a backup that would exceed it consolidates the chain first.
 *     Absent: {@link #DEFAULT_MAX_CHAIN_LENGTH}
 * @param hooks commands run on the host around the snapshot; absent: none
 */
public record BackupRequest(
    String domain,
    String host,
    CaptureMode capture,
    String repository,
    Strategy strategy,
    Integer maxChainLength,
    Hooks hooks) {

  /** Overlays a running chain holds at most, unless the request says otherwise. */
  public static final int DEFAULT_MAX_CHAIN_LENGTH = 7;

  public BackupRequest {
    capture = capture == null ? CaptureMode.QUIESCE : capture;
    strategy = strategy == null ? Strategy.FULL : strategy;
  }

  /** A request without hooks. */
  public BackupRequest(
      String domain, String host, CaptureMode capture, String repository, Strategy strategy, Integer maxChainLength) {
    this(domain, host, capture, repository, strategy, maxChainLength, null);
  }

  /** A request with the default chain length and no hooks. */
  public BackupRequest(String domain, String host, CaptureMode capture, String repository, Strategy strategy) {
    this(domain, host, capture, repository, strategy, null, null);
  }

  public static BackupRequest of(String domain) {
    return new BackupRequest(domain, null, null, null, null);
  }

  public BackupRequest withHost(String newHost) {
    return new BackupRequest(domain, newHost, capture, repository, strategy, maxChainLength, hooks);
  }

  /** The chain length limit in effect. */
  public int effectiveMaxChainLength() {
    return maxChainLength == null ? DEFAULT_MAX_CHAIN_LENGTH : maxChainLength;
  }
}
