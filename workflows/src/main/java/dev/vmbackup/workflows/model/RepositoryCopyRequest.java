package dev.vmbackup.workflows.model;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.util.List;

/**
 * Copies the frozen images into the partial backup directory, writes the manifest and moves the
 * directory into place.
 *
 * @param header where the backup goes and what its manifest records (unwrapped in the JSON)
 * @param disks the disks as inspected; their chains are frozen now (read-only to QEMU)
 * @param memoryFile the memory state inside the partial directory, or null
 * @param offline the domain was shut off and no snapshot was taken: the copy fails if it is started meanwhile
 * @param chain for the manifest: strategy {@code chain}'s record of the overlays the VM is left on, or null
 * @param stoppedMillis for the manifest: how long a {@code saved-state} capture stopped the VM, or null
 */
public record RepositoryCopyRequest(
    @JsonUnwrapped PublishHeader header,
    List<DiskInfo> disks,
    String memoryFile,
    boolean offline,
    ChainRecord chain,
    Long stoppedMillis) {
  public RepositoryCopyRequest {
    disks = disks == null ? List.of() : List.copyOf(disks);
  }

  /** A backup that stands alone. */
  public RepositoryCopyRequest(PublishHeader header, List<DiskInfo> disks, String memoryFile, boolean offline) {
    this(header, disks, memoryFile, offline, null, null);
  }
}
