package dev.vmbackup.host.hypervisor;

import java.util.List;
import java.util.Optional;

/**
 * libvirt's backup API and checkpoints, for incremental backups: a push-mode backup job that writes
 * the disks into images while the guest runs, the checkpoints it creates (each a persistent dirty
 * bitmap in every qcow2 disk), and the guest agent's filesystem freeze around the job's start. Same
 * contract as {@link Hypervisor}: reconnects after a broken connection, never retries inside.
 */
public interface BackupApi {
  /** Progress of the domain's running job, in bytes. */
  record JobProgress(long processed, long total) {}

  /** How the domain's last job ended, as far as libvirt remembers (it forgets on restart). */
  enum JobOutcome { COMPLETED, FAILED, CANCELLED }

  /**
   * @param backup whether it was a backup job
   * @param error libvirt's message for a failed job, else null
   */
  record FinishedJob(JobOutcome outcome, boolean backup, String error) {}

  /** Freezes the guest's filesystems through the agent; fails when the agent does not answer. */
  void freezeFilesystems(String domain);

  /**
   * Starts a backup job; with a checkpoint XML, creates that checkpoint atomically with the job's
   * start. Push-mode target files must exist already (the job reuses them, with their headers).
   */
  void beginBackup(String domain, String backupXml, String checkpointXml);

  /** The XML of the domain's running backup job, or empty when none runs. */
  Optional<String> backupJobXml(String domain);

  /** The progress of the domain's running job of any kind, or empty when none runs. */
  Optional<JobProgress> activeJob(String domain);

  /**
   * How the domain's last job ended, or empty when libvirt does not know (none since libvirtd
   * started, or forgotten). Kept for later calls.
   */
  Optional<FinishedJob> lastFinishedJob(String domain);

  /**
   * Makes libvirt forget how the last job ended, so that what {@link #lastFinishedJob} reports after
   * a new job can only be about that job.
   */
  void forgetFinishedJob(String domain);

  /**
   * Removes the temporary bitmaps ({@code backup-<target>}) of a backup job that libvirt lost track of:
   * a job that ended while libvirtd was down is dropped on reconnect, but its bitmaps stay in QEMU and
   * make every later job fail to start ("Bitmap already exists"). Call it only when no backup job runs.
   *
   * @return the bitmaps removed, as {@code node/name}
   */
  List<String> removeLeftoverJobBitmaps(String domain, List<String> targets);

  /** Aborts the domain's running job. */
  void abortJob(String domain);

  /** Limits the backup job's copying on one disk, in bytes per second (0: no limit). */
  void setBackupBandwidth(String domain, String target, long bytesPerSecond);

  /** Names of the domain's checkpoints. */
  List<String> checkpointNames(String domain);

  /**
   * A checkpoint's XML, without the domain definition; with sizes, libvirt asks QEMU how much each
   * disk's bitmap marks as changed (a disk whose bitmap QEMU lacks has no size). Empty when there is
   * no such checkpoint.
   */
  Optional<String> checkpointXml(String domain, String name, boolean withSizes);

  /**
   * Deletes a checkpoint and the bitmaps it keeps; with {@code metadataOnly}, only libvirt's record of
   * it (for a checkpoint whose bitmaps are gone, or of a shut-off domain whose images are edited offline).
   */
  void deleteCheckpoint(String domain, String name, boolean metadataOnly);
}
