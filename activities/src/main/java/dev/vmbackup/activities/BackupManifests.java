package dev.vmbackup.activities;

import dev.vmbackup.host.repository.BackupRepository;
import dev.vmbackup.workflows.FailureType;
import dev.vmbackup.workflows.model.ChainRecord;
import dev.vmbackup.workflows.model.CopyProgress;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.ManifestDisk;
import dev.vmbackup.workflows.model.ManifestFile;
import dev.vmbackup.workflows.model.PublishHeader;
import dev.vmbackup.workflows.model.PublishIncrementalRequest;
import dev.vmbackup.workflows.model.RepositoryCopyRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * The last step of every strategy: the manifest assembled from what the step copied, written into the
 * partial directory, and the directory published. One place, so that every strategy's manifest says
 * the same things the same way and the step markers never reach a published backup.
 */
public final class BackupManifests {
  private BackupManifests() {}

  /** The manifest of a backup whose files the copy step copied (strategies full and chain). */
  static Manifest copied(RepositoryCopyRequest request, List<ManifestDisk> disks, ManifestFile memory,
      ManifestFile domainXml, ManifestFile nvram) {
    return assemble(request.header(), disks, memory, domainXml, nvram, null, request.chain(),
        request.stoppedMillis(), null);
  }

  /** The manifest of a backup whose images a libvirt backup job wrote (incremental strategies). */
  public static Manifest incremental(PublishIncrementalRequest request, List<ManifestDisk> disks,
      ManifestFile domainXml, ManifestFile nvram) {
    return assemble(request.header(), disks, null, domainXml, nvram, request.checkpoint(), null, null,
        request.bytesTransferred());
  }

  private static Manifest assemble(PublishHeader header, List<ManifestDisk> disks, ManifestFile memory,
      ManifestFile domainXml, ManifestFile nvram, String checkpoint, ChainRecord chain,
      Long stoppedMillis, Long bytesTransferred) {
    return new Manifest(
        Manifest.FORMAT_VERSION,
        header.domain(),
        header.uuid(),
        header.host(),
        header.backupId(),
        Instant.ofEpochMilli(header.startedAtMillis()).toString(),
        Instant.now().toString(),
        header.strategy(),
        header.captureRequested(),
        header.capture(),
        header.warnings(),
        disks,
        memory,
        domainXml,
        nvram,
        null,
        header.parentBackupId(),
        checkpoint,
        chain,
        stoppedMillis,
        bytesTransferred);
  }

  /**
   * The partial directory the earlier steps filled.
   *
   * @throws HostFailure {@code BACKUP_NOT_FOUND} if it is gone, which no retry can repair
   */
  public static Path partialDir(String partialDir) {
    Path partial = Path.of(partialDir);
    if (!Files.isDirectory(partial)) {
      throw new HostFailure(FailureType.BACKUP_NOT_FOUND, "the partial backup directory " + partial + " is gone");
    }
    return partial;
  }

  /**
   * A file of the partial directory as the manifest lists it. It is hashed in chunks with a heartbeat
   * between them: the memory state can be as large as the guest's RAM.
   */
  public static ManifestFile hashed(Path partial, String name, CopyProgress progress) {
    Path file = partial.resolve(name);
    try {
      return new ManifestFile(name, Files.size(file), Checksums.sha256(file, () -> Heartbeats.beat(progress)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Deletes the step markers (named relative to the partial directory), writes the manifest and
   * publishes the backup. The manifest comes last: until it is there, the directory is not a backup.
   */
  public static void publish(BackupRepository repository, String domain, String backupId, Path partial,
      Manifest manifest, List<String> markers) {
    markers.forEach(marker -> StepMarkers.delete(partial.resolve(marker)));
    repository.writeManifest(partial, manifest);
    repository.publish(domain, backupId);
  }
}
