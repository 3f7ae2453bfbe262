package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * @param stoppedMillis how long the VM was stopped: from the start of the save to the end of the restore
 * @param warnings what an operator should know
 */
public record SavedStateResult(long stoppedMillis, List<String> warnings) {
  public SavedStateResult {
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
  }
}
