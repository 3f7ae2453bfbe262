package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * Renames existing files out of a restore's way, on the same filesystem, so that nothing is lost.
 *
 * @param files paths to move if they exist
 * @param suffix appended to each name, e.g. {@code .vmbackup-replaced-20261122T230000Z}
 */
public record SetAsideRequest(List<String> files, String suffix) {
  public SetAsideRequest {
    files = files == null ? List.of() : List.copyOf(files);
  }
}
