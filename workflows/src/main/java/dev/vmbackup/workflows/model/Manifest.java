package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * {@code manifest.json}, the last file written into a backup directory. A directory without one is
 * not a backup; a manifest's checksums match its files.
 *
 * @param formatVersion version of this layout, for readers of old backups
 * @param startedAt ISO-8601 instant the backup workflow started (the snapshot point follows within seconds)
 * @param completedAt ISO-8601 instant the copy completed
 * @param captureRequested what the request asked for
 * @param capture what was actually achieved (a quiesce without a guest agent falls back to crash)
 * @param memoryState the saved memory and CPU state, for {@link CaptureMode#MEMORY}; else null
 * @param domainXml the domain definition at backup time
 * @param nvram the UEFI variable store, or null
 * @param verified the last verification, or null before the first
 * @param parentBackupId the backup this one builds on (a chain layer or an incremental needs it to be
 *     restored); null for a backup that stands alone
 * @param checkpoint the libvirt checkpoint this backup created (incremental strategies), else null
 * @param chain strategy {@code chain}: the overlays the VM was left on, which the next chain run
 *     continues from; else null
 * @param stoppedMillis capture {@code saved-state}: how long the VM was stopped, in milliseconds; else null
 * @param bytesTransferred bytes the backup actually read from the VM's disks and wrote into the
 *     repository (incremental strategies: the changed blocks only); null when not recorded
 */
public record Manifest(
    int formatVersion,
    String domain,
    String uuid,
    String host,
    String backupId,
    String startedAt,
    String completedAt,
    Strategy strategy,
    CaptureMode captureRequested,
    CaptureMode capture,
    List<String> warnings,
    List<ManifestDisk> disks,
    ManifestFile memoryState,
    ManifestFile domainXml,
    ManifestFile nvram,
    Verification verified,
    String parentBackupId,
    String checkpoint,
    ChainRecord chain,
    Long stoppedMillis,
    Long bytesTransferred) {

  public static final int FORMAT_VERSION = 1;
  public static final String FILE_NAME = dev.vmbackup.workflows.BackupLayout.MANIFEST;

  public Manifest {
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
    disks = disks == null ? List.of() : List.copyOf(disks);
  }

  /** A standalone backup: no parent, no checkpoint. */
  public Manifest(
      int formatVersion, String domain, String uuid, String host, String backupId, String startedAt,
      String completedAt, Strategy strategy, CaptureMode captureRequested, CaptureMode capture,
      List<String> warnings, List<ManifestDisk> disks, ManifestFile memoryState, ManifestFile domainXml,
      ManifestFile nvram, Verification verified) {
    this(formatVersion, domain, uuid, host, backupId, startedAt, completedAt, strategy, captureRequested, capture,
        warnings, disks, memoryState, domainXml, nvram, verified, null, null, null, null, null);
  }

  /** A backup that may build on another, without chain record, stopped time or bytes transferred. */
  public Manifest(
      int formatVersion, String domain, String uuid, String host, String backupId, String startedAt,
      String completedAt, Strategy strategy, CaptureMode captureRequested, CaptureMode capture,
      List<String> warnings, List<ManifestDisk> disks, ManifestFile memoryState, ManifestFile domainXml,
      ManifestFile nvram, Verification verified, String parentBackupId, String checkpoint) {
    this(formatVersion, domain, uuid, host, backupId, startedAt, completedAt, strategy, captureRequested, capture,
        warnings, disks, memoryState, domainXml, nvram, verified, parentBackupId, checkpoint, null, null, null);
  }

  /** An incremental-strategy backup: with the bytes it transferred. */
  public Manifest(
      int formatVersion, String domain, String uuid, String host, String backupId, String startedAt,
      String completedAt, Strategy strategy, CaptureMode captureRequested, CaptureMode capture,
      List<String> warnings, List<ManifestDisk> disks, ManifestFile memoryState, ManifestFile domainXml,
      ManifestFile nvram, Verification verified, String parentBackupId, String checkpoint, Long bytesTransferred) {
    this(formatVersion, domain, uuid, host, backupId, startedAt, completedAt, strategy, captureRequested, capture,
        warnings, disks, memoryState, domainXml, nvram, verified, parentBackupId, checkpoint, null, null,
        bytesTransferred);
  }

  /** A chain-strategy backup: with the chain it left the VM on and the stopped time of a saved state. */
  public Manifest(
      int formatVersion, String domain, String uuid, String host, String backupId, String startedAt,
      String completedAt, Strategy strategy, CaptureMode captureRequested, CaptureMode capture,
      List<String> warnings, List<ManifestDisk> disks, ManifestFile memoryState, ManifestFile domainXml,
      ManifestFile nvram, Verification verified, String parentBackupId, String checkpoint, ChainRecord chain,
      Long stoppedMillis) {
    this(formatVersion, domain, uuid, host, backupId, startedAt, completedAt, strategy, captureRequested, capture,
        warnings, disks, memoryState, domainXml, nvram, verified, parentBackupId, checkpoint, chain, stoppedMillis,
        null);
  }

  public Manifest withVerification(Verification verification) {
    return new Manifest(formatVersion, domain, uuid, host, backupId, startedAt, completedAt, strategy,
        captureRequested, capture, warnings, disks, memoryState, domainXml, nvram, verification, parentBackupId,
        checkpoint, chain, stoppedMillis, bytesTransferred);
  }

  /** Sum of the logical sizes of every file the manifest lists. */
  public long totalBytes() {
    long total = 0;
    for (ManifestDisk disk : disks) {
      total += disk.bytes();
      for (ManifestImage layer : disk.backing()) {
        total += layer.bytes();
      }
    }
    for (ManifestFile file : new ManifestFile[] {memoryState, domainXml, nvram}) {
      if (file != null) {
        total += file.bytes();
      }
    }
    return total;
  }
}
