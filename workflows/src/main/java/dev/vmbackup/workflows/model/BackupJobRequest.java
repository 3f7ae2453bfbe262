package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * A libvirt backup job (push mode) into the partial backup directory, and what its compensation undoes.
 *
 * @param backupId the backup's id
 * @param partialDir the partial backup directory the images are written into
 * @param checkpoint the checkpoint the job creates, atomically with its start; null for none
 *     (a differential, or disks that cannot carry bitmaps)
 * @param incrementalFrom the checkpoint whose changes an incremental copies; null for a full backup
 * @param disks the disks the job copies
 * @param capture the requested capture: {@code quiesce} freezes the guest's filesystems through the
 *     agent for the instant the job starts; never {@code memory}
 * @param agentAvailable whether inspection found the guest agent answering
 */
public record BackupJobRequest(
    String domain,
    String backupId,
    String partialDir,
    String checkpoint,
    String incrementalFrom,
    List<IncrementalDisk> disks,
    CaptureMode capture,
    boolean agentAvailable) {
  public BackupJobRequest {
    disks = disks == null ? List.of() : List.copyOf(disks);
  }
}
