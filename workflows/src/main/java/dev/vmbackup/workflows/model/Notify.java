package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * Where a policy run reports its {@link PlanResult} as JSON: a notification the host defines in its
 * configuration file, by name (a webhook with optional headers, and/or a command run on the host with
 * the JSON in the file named by {@code VMBACKUP_RESULT_FILE}, {@code VMBACKUP_POLICY} and
 * {@code VMBACKUP_STATUS} ({@code ok} or {@code failed}) set).
 *
 * @param name the notification's name in the host configuration
 * @param onSuccess also report runs where every backup succeeded (failures are always reported)
 * @param webhook no longer accepted: a URL here is refused (the host would otherwise POST wherever a
 *     request says). Kept so that such a policy is refused, not silently stripped of its notification
 * @param command no longer accepted, for the same reason: commands are the host's to define
 */
public record Notify(String name, Boolean onSuccess, String webhook, List<String> command) {
  public Notify {
    command = command == null ? List.of() : List.copyOf(command);
  }

  /** A notification by name. */
  public Notify(String name, Boolean onSuccess) {
    this(name, onSuccess, null, null);
  }

  public boolean onSuccessRequested() {
    return Boolean.TRUE.equals(onSuccess);
  }
}
