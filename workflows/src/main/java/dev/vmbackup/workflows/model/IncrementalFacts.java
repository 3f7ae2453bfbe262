package dev.vmbackup.workflows.model;

import java.util.List;
import java.util.Map;

/**
 * What the host knows that decides whether a backup continues a chain: gathered by the checkpoint
 * activity from libvirt, qemu-img and the repository, and judged by {@code IncrementalDecisions}.
 *
 * @param domain the domain as inspected
 * @param disks each backed-up disk now
 * @param checkpoints the domain's checkpoints that vmbackup made (named {@code vmbackup-*})
 * @param backups manifests of the domain's published backups in the repository, oldest first
 * @param problems backup id to what is wrong with its files (missing, wrong size), for backups whose
 *     files do not match their manifest
 */
public record IncrementalFacts(
    DomainInfo domain,
    List<DiskState> disks,
    List<CheckpointState> checkpoints,
    List<Manifest> backups,
    Map<String, String> problems) {
  public IncrementalFacts {
    disks = disks == null ? List.of() : List.copyOf(disks);
    checkpoints = checkpoints == null ? List.of() : List.copyOf(checkpoints);
    backups = backups == null ? List.of() : List.copyOf(backups);
    problems = problems == null ? Map.of() : Map.copyOf(problems);
  }
}
