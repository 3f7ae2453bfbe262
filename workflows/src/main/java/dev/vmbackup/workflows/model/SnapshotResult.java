package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * @param capture the capture actually achieved
 * @param warnings what fell back and why
 * @param pausedMillis how long the snapshot call took: an upper bound of how long the guest was held
 *     (filesystems frozen, vCPUs paused for the end of a memory save); 0 when not measured
 */
public record SnapshotResult(CaptureMode capture, List<String> warnings, long pausedMillis) {
  public SnapshotResult {
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
  }
}
