package dev.vmbackup.workflows.model;

import java.util.Map;

/**
 * Input of the restore workflow, e.g. {@code {"domain":"vm-001","backupId":"20261122T221500Z","as":"vm-001-copy"}}.
 *
 * <p>Exactly one way must be chosen: {@code as} (a new domain beside the original), {@code inPlace}
 * (replace the domain's disks, keeping the current ones aside), or {@code memory} (in place, and resume
 * the guest from the saved memory state).
 *
 * @param domain the domain the backup was taken of
 * @param backupId which backup
 * @param as name of a new domain to create from the backup, with a new UUID and new MAC addresses
 * @param memory restore in place and resume from the backup's memory state
 * @param inPlace restore the disks in place; the domain's current images are kept aside under a new name
 * @param targetDir with {@code as}: where the new disks go; absent: beside the original's first disk
 * @param start whether to boot the restored domain; absent: true for {@code as}, and for in place the
 *     domain is started again if it was running
 * @param overwrite move existing files at the target paths aside instead of refusing
 * @param repository absent: the host's default
 * @param host absent: the default host
 * @param flatten with {@code as}: one standalone image per disk instead of a chain of layers
 * @param diskPoints with {@code as}: disks to restore from another backup (point) of the same domain, by
 *     guest device name, e.g. {@code {"vdb":"20261122T210000Z"}}; every other disk comes from
 *     {@code backupId}. Disks are restored to different points only when asked so here.
 */
public record RestoreRequest(
    String domain,
    String backupId,
    String as,
    Boolean memory,
    Boolean inPlace,
    String targetDir,
    Boolean start,
    Boolean overwrite,
    String repository,
    String host,
    Boolean flatten,
    Map<String, String> diskPoints) {

  public RestoreRequest {
    diskPoints = diskPoints == null ? Map.of() : Map.copyOf(diskPoints);
  }

  /** A restore of every disk from the one backup. */
  public RestoreRequest(String domain, String backupId, String as, Boolean memory, Boolean inPlace, String targetDir,
      Boolean start, Boolean overwrite, String repository, String host, Boolean flatten) {
    this(domain, backupId, as, memory, inPlace, targetDir, start, overwrite, repository, host, flatten, null);
  }

  /** A restore without flattening. */
  public RestoreRequest(String domain, String backupId, String as, Boolean memory, Boolean inPlace, String targetDir,
      Boolean start, Boolean overwrite, String repository, String host) {
    this(domain, backupId, as, memory, inPlace, targetDir, start, overwrite, repository, host, null);
  }

  public boolean flattenRequested() {
    return Boolean.TRUE.equals(flatten);
  }

  public boolean memoryRequested() {
    return Boolean.TRUE.equals(memory);
  }

  public boolean inPlaceRequested() {
    return Boolean.TRUE.equals(inPlace) || memoryRequested();
  }

  public boolean overwriteRequested() {
    return Boolean.TRUE.equals(overwrite);
  }

  public RestoreRequest withHost(String newHost) {
    return new RestoreRequest(domain, backupId, as, memory, inPlace, targetDir, start, overwrite, repository, newHost,
        flatten, diskPoints);
  }
}
