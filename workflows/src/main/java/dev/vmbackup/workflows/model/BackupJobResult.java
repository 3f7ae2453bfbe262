package dev.vmbackup.workflows.model;

import java.util.List;
import java.util.Map;

/**
 * @param capture the capture achieved (a quiesce falls back to crash when the agent does not answer)
 * @param warnings what fell back and why
 * @param bytesTransferred disk target to the bytes of data the job wrote into the backup's image of
 *     it: the clusters it copied (for an incremental, of those its dirty bitmap marked), without the
 *     ones it only marked as zeros
 */
public record BackupJobResult(CaptureMode capture, List<String> warnings, Map<String, Long> bytesTransferred) {
  public BackupJobResult {
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
    bytesTransferred = bytesTransferred == null ? Map.of() : Map.copyOf(bytesTransferred);
  }

  public long totalTransferred() {
    return bytesTransferred.values().stream().mapToLong(Long::longValue).sum();
  }
}
