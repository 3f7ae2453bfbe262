package dev.vmbackup.host.hypervisor;

import java.util.Optional;

/**
 * The hypervisor operations a backup needs, shaped by backup verbs rather than by libvirt's API.
 * Implementations reconnect after a broken connection; calls are not retried inside, because not
 * every call is safe to repeat: the activities above are idempotent and retry as a whole.
 */
public interface Hypervisor {
  /** The domain's identity and state, or empty if there is no such domain. */
  Optional<DomainStatus> lookup(String name);

  /**
   * The domain's XML including secure fields, either as it runs now (with the live backing chains)
   * or its persistent definition.
   */
  String domainXml(String name, boolean inactive);

  /** True if the guest agent answers a ping within a few seconds. */
  boolean pingAgent(String name);

  /** True if the guest agent reports frozen filesystems. False when there is no agent to ask. */
  boolean filesystemsFrozen(String name);

  /** Thaws every frozen guest filesystem; harmless when none is frozen. */
  void thawFilesystems(String name);

  /** Takes an atomic external snapshot without libvirt metadata. */
  void createExternalSnapshot(String name, String snapshotXml, SnapshotOptions options);

  /** The block job on the disk, if one runs. */
  Optional<BlockJob> blockJob(String name, String target);

  /**
   * Starts an active block commit of the disk's top image into the image directly below it.
   *
   * @param bytesPerSecond bandwidth limit, 0 for none
   */
  void startActiveCommit(String name, String target, long bytesPerSecond);

  /** Starts a block pull that copies every backing layer's data into the disk's active image. */
  void startBlockPull(String name, String target);

  /** Ends a ready active commit by switching the disk onto the image below (pivot). */
  void pivot(String name, String target);

  /** Cancels the disk's block job, leaving the disk on its current image. */
  void abortBlockJob(String name, String target);

  /** Resumes a paused domain. */
  void resume(String name);

  /** Starts a shut-off domain. */
  void start(String name);

  /** Stops a running domain at once (power off). */
  void destroy(String name);

  /** Defines (or redefines) a persistent domain from XML. */
  void define(String xml);

  /** Removes a shut-off domain's persistent definition, and its NVRAM file. */
  void undefine(String name);

  /** Starts a domain from a memory state file written by save or by a memory snapshot. */
  void restoreMemoryState(String stateFile);

  /** libvirt's backup API and checkpoints, on the same connection. */
  default BackupApi backupApi() {
    throw new UnsupportedOperationException("this hypervisor has no backup API");
  }
}
