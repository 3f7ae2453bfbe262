package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * One hook command to run on the host.
 *
 * @param phase {@code pre-snapshot} or {@code post-snapshot}
 * @param command the argument list; never run through a shell
 */
public record HookRequest(String phase, String domain, String backupId, String host, List<String> command) {
  public HookRequest {
    command = command == null ? List.of() : List.copyOf(command);
  }
}
