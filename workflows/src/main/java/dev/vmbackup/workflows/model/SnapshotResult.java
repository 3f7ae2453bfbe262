package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * @param capture the capture actually achieved
 * @param warnings what fell back and why
 * @param pausedMillis how long libvirt reported the guest paused during the snapshot, when known
 */
public record SnapshotResult(CaptureMode capture, List<String> warnings, long pausedMillis) {
  public SnapshotResult {
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
  }
}
