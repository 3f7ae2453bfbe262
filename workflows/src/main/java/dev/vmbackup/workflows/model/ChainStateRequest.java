package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * Asks what a {@code chain} backup needs to decide between continuing a chain and starting a new one.
 *
 * @param disks the disks as inspected now
 */
public record ChainStateRequest(String repository, String domain, List<DiskInfo> disks) {
  public ChainStateRequest {
    disks = disks == null ? List.of() : List.copyOf(disks);
  }
}
