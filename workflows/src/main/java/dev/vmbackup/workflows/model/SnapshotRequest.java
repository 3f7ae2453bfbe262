package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * Everything the snapshot step and its compensation need; computed by the workflow before either runs.
 *
 * @param capture the requested capture mode
 * @param agentAvailable whether inspection found the guest agent answering
 * @param overlays one entry per disk covered by the backup
 * @param partialDir the backup's partial directory, where the memory state and a record of the
 *     snapshot's outcome go
 * @param memoryFile where {@link CaptureMode#MEMORY} saves the memory state, else null
 * @param stateBefore run state before the backup, which the compensation restores
 */
public record SnapshotRequest(
    String domain,
    String backupId,
    CaptureMode capture,
    boolean agentAvailable,
    List<DiskOverlay> overlays,
    String partialDir,
    String memoryFile,
    DomainState stateBefore) {
  public SnapshotRequest {
    overlays = overlays == null ? List.of() : List.copyOf(overlays);
  }
}
