package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * @param path the backup directory, in place with its manifest
 * @param bytesCopied bytes actually written (holes excluded)
 */
public record RepositoryCopyResult(String path, long bytesCopied, List<ManifestDisk> disks) {
  public RepositoryCopyResult {
    disks = disks == null ? List.of() : List.copyOf(disks);
  }
}
