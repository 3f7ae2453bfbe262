package dev.vmbackup.workflows.model;

import java.util.Map;

/**
 * Defines a new domain from a backup's domain XML.
 *
 * @param name the new domain's name
 * @param uuid the new domain's UUID, chosen by the workflow so that its compensation can find it
 * @param diskPaths guest device name to the restored active image
 * @param targetDir where files the definition refers to (NVRAM, console logs) are placed
 */
public record DefineDomainRequest(
    BackupRef backup, String name, String uuid, Map<String, String> diskPaths, String targetDir) {
  public DefineDomainRequest {
    diskPaths = diskPaths == null ? Map.of() : Map.copyOf(diskPaths);
  }
}
