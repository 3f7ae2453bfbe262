package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * Checks before a restore changes anything.
 *
 * @param newDomain a domain name that must not exist yet, or null
 * @param files destination paths; each must not exist unless {@code overwrite}
 * @param overwrite existing files will be moved aside, so they are allowed
 */
public record RestoreTargetsCheck(String newDomain, List<String> files, boolean overwrite) {
  public RestoreTargetsCheck {
    files = files == null ? List.of() : List.copyOf(files);
  }
}
