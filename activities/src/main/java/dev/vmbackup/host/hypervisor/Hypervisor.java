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

  /** Names of every domain, defined or running, sorted. */
  java.util.List<String> domainNames();

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

  /**
   * True while libvirt runs a domain job on the VM (a snapshot, a save, a backup job), including one
   * whose client has gone: libvirtd finishes such a job on its own.
   */
  boolean domainJobRunning(String name);

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

  /** Changes the bandwidth limit of the disk's running block job; 0 lifts it. */
  void setBlockJobSpeed(String name, String target, long bytesPerSecond);

  /** Ends a ready active commit by switching the disk onto the image below (pivot). */
  void pivot(String name, String target);

  /** Cancels the disk's block job, leaving the disk on its current image. */
  void abortBlockJob(String name, String target);

  /**
   * Whether QEMU paused the domain because a write failed (libvirt's pause reason {@code ioerror}), as
   * it does when a guest write cannot be copied to a full backup target first.
   */
  boolean pausedByIoError(String name);

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

  // Strategy chain and capture saved-state.

  /** Saves the running or paused domain's memory and device state into a file; the domain stops. */
  void saveState(String name, String stateFile);

  /** The domain XML recorded in a state file written by {@link #saveState}, including secure fields. */
  String savedStateXml(String stateFile);

  /**
   * Starts a domain from a state file written by {@link #saveState}, in the run state it was saved in.
   *
   * @param xml the domain XML to restore with instead of the recorded one (same devices, e.g. other
   *     disk images), or null for the recorded one
   */
  void restoreState(String stateFile, String xml);

  /**
   * Starts a block commit of the inactive layers from {@code top} down into {@code base}, below the
   * disk's active image, which stays active: no pivot is needed, the job ends by itself.
   *
   * @param bytesPerSecond bandwidth limit, 0 for none
   */
  void startCommit(String name, String target, String top, String base, long bytesPerSecond);

  /**
   * Starts a block pull of every layer above {@code base} into the disk's active image; afterwards the
   * active image is backed by {@code base} (or stands alone when {@code base} is null).
   *
   * @param bytesPerSecond bandwidth limit, 0 for none
   */
  void startBlockPull(String name, String target, String base, long bytesPerSecond);
  /** libvirt's backup API and checkpoints, on the same connection. */
  default BackupApi backupApi() {
    throw new UnsupportedOperationException("this hypervisor has no backup API");
  }
}
