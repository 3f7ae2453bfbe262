package dev.vmbackup.workflows.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What inspection found about a domain before a backup touches it.
 *
 * @param name libvirt domain name
 * @param uuid libvirt domain UUID
 * @param state run state at inspection time; a backup leaves the domain in this state
 * @param persistent whether libvirt keeps a persistent definition of it
 * @param disks the writable file-backed disks that the backup covers
 * @param skippedDisks devices deliberately not backed up (CD-ROMs, read-only and shareable disks), as "target: reason"
 * @param agentAvailable whether qemu-guest-agent answered a ping
 * @param nvram path of the UEFI variable store, or null
 * @param repository the repository directory this backup uses (the request's, or the host's default); for
 *     a store, its staging directory on the host
 * @param store the name of the store repository the backup goes into after it is made and verified in
 *     {@code repository}; null for a repository of kind files
 */
public record DomainInfo(
    String name,
    String uuid,
    DomainState state,
    boolean persistent,
    List<DiskInfo> disks,
    List<String> skippedDisks,
    boolean agentAvailable,
    String nvram,
    String repository,
    // Absent unless set: a workflow worker of a build before stores refuses fields it does not know, and
    // it still reads this result during a rolling upgrade (RollingUpgradeE2ETest).
    @JsonInclude(JsonInclude.Include.NON_NULL) String store) {
  public DomainInfo {
    disks = disks == null ? List.of() : List.copyOf(disks);
    skippedDisks = skippedDisks == null ? List.of() : List.copyOf(skippedDisks);
  }

  /** A domain backed up into a repository of kind files. */
  public DomainInfo(String name, String uuid, DomainState state, boolean persistent, List<DiskInfo> disks,
      List<String> skippedDisks, boolean agentAvailable, String nvram, String repository) {
    this(name, uuid, state, persistent, disks, skippedDisks, agentAvailable, nvram, repository, null);
  }
}
