package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * Where a policy run reports: its {@link PlanResult} as JSON.
 *
 * @param webhook URL that gets an HTTP POST with the JSON body
 * @param command argument list run on the host; the JSON is in the file named by {@code VMBACKUP_RESULT_FILE},
 *     and {@code VMBACKUP_POLICY} and {@code VMBACKUP_STATUS} ({@code ok} or {@code failed}) are set
 * @param onSuccess also report runs where every backup succeeded (failures are always reported)
 */
public record Notify(String webhook, List<String> command, Boolean onSuccess) {
  public Notify {
    command = command == null ? List.of() : List.copyOf(command);
  }

  public boolean onSuccessRequested() {
    return Boolean.TRUE.equals(onSuccess);
  }
}
