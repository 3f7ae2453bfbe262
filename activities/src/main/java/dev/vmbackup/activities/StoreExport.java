package dev.vmbackup.activities;

import dev.vmbackup.host.image.ImageTool;
import dev.vmbackup.host.repository.FileRepository;
import dev.vmbackup.host.repository.Json;
import dev.vmbackup.store.ChunkStore;
import dev.vmbackup.store.Progress;
import dev.vmbackup.store.MissingObjectException;
import dev.vmbackup.store.StoreException;
import dev.vmbackup.workflows.BackupLayout;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.ManifestDisk;
import dev.vmbackup.workflows.model.ManifestFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Reads the backups of a store as backups of kind files, and writes one out as a backup directory of
 * kind files: each disk a standalone qcow2 image, the memory state, domain XML and NVRAM as they were
 * stored, and a {@code manifest.json} that describes exactly those files. Such a directory needs no
 * vmbackup to be used (qemu-img, virsh), and a repository of kind files takes it as it is.
 *
 * <p>A store backup made by the store step ({@link StoreActivitiesImpl}) holds the files-kind manifest of
 * the staged backup as its blob {@code manifest.json}: it names the domain, the backup id, the strategy
 * and the disks' file names, which the store's own manifest does not.
 */
public final class StoreExport {
  private final ImageTool images;

  public StoreExport(ImageTool images) {
    this.images = images;
  }

  /**
   * A backup of a store with the files-kind manifest stored with it.
   *
   * @param stored the store's manifest (sizes, chunks, new bytes)
   * @param files the files-kind manifest of the backup the store step put in (the blob {@code manifest.json})
   */
  public record StoredBackup(dev.vmbackup.store.Manifest stored, Manifest files) {}

  /**
   * What an export wrote.
   *
   * @param dir the backup directory
   * @param manifest the manifest written into it, last
   * @param bytes bytes of every file it lists
   */
  public record Result(Path dir, Manifest manifest, long bytes) {}

  /**
   * Every backup of the store that carries a files-kind manifest (of {@code domain} only, unless it is
   * null), by domain, oldest first. Backups without one were not written by vmbackup's store step and
   * are left out: they name no domain or backup id to list them by.
   *
   * @throws StoreException if a stored {@code manifest.json} is not a manifest
   */
  public static List<StoredBackup> backups(ChunkStore store, String domain) {
    List<StoredBackup> backups = new ArrayList<>();
    for (String id : store.backupIds()) {
      dev.vmbackup.store.Manifest stored;
      try {
        stored = store.manifest(id);
      } catch (MissingObjectException prunedMeanwhile) {
        continue;
      }
      // The store's manifest names the domain, so other domains' files manifests are not even read.
      if (domain != null && !domain.equals(stored.vm())) {
        continue;
      }
      filesManifest(store, stored).ifPresent(files -> backups.add(new StoredBackup(stored, files)));
    }
    backups.sort(Comparator.comparing((StoredBackup backup) -> backup.files().domain())
        .thenComparing(backup -> backup.stored().created()));
    return backups;
  }

  /** The backup {@code backupId} (the files-kind id, {@code 20261122T221500Z}) of {@code domain}, if stored. */
  public static Optional<StoredBackup> find(ChunkStore store, String domain, String backupId) {
    return backups(store, domain).stream()
        .filter(backup -> backup.files().domain().equals(domain) && backup.files().backupId().equals(backupId))
        .findFirst();
  }

  /** The files-kind manifest stored with a backup, or empty for a backup that has none. */
  public static Optional<Manifest> filesManifest(ChunkStore store, dev.vmbackup.store.Manifest stored) {
    if (stored.blobs().stream().noneMatch(blob -> blob.name().equals(BackupLayout.MANIFEST))) {
      return Optional.empty();
    }
    byte[] json = store.readBlob(stored, BackupLayout.MANIFEST);
    try {
      return Optional.of(Json.MAPPER.readValue(json, Manifest.class));
    } catch (IOException e) {
      throw new StoreException("the " + BackupLayout.MANIFEST + " of store backup " + stored.backupId()
          + " is not a manifest: " + e.getMessage().lines().findFirst().orElse(""));
    }
  }

  /**
   * Writes the backup into {@code dir}, which must not exist or be empty. Each disk is restored into a
   * hidden raw image in {@code dir}, converted to qcow2 under the manifest's file name (with a
   * {@code .qcow2} extension where the name said another format), and the raw image deleted; blobs are
   * restored and checked against the manifest's checksums; {@code manifest.json} is written last, so
   * that a directory without it is not a backup. A failure removes what this export wrote.
   *
   * @throws IllegalArgumentException if {@code dir} is not empty or a manifest names a file outside it
   */
  public Result export(ChunkStore store, StoredBackup backup, Path dir) {
    Path target = dir.toAbsolutePath().normalize();
    boolean created = prepare(target);
    List<Path> written = new ArrayList<>();
    try {
      List<ManifestDisk> disks = new ArrayList<>();
      Set<String> names = new HashSet<>(Set.of(BackupLayout.MANIFEST));
      for (ManifestDisk disk : backup.files().disks()) {
        disks.add(exportDisk(store, backup.stored(), disk, target, names, written));
      }
      for (ManifestFile file : files(backup.files())) {
        Path out = place(target, file.file(), names);
        written.add(out);
        store.restoreBlob(backup.stored(), file.file(), out);
        String sha256 = Checksums.sha256(out, Progress::tick);
        if (Files.size(out) != file.bytes() || !sha256.equals(file.sha256())) {
          throw new StoreException(file.file() + " of store backup " + backup.stored().backupId()
              + " does not match its manifest (" + Files.size(out) + " bytes, sha256 " + sha256 + ")");
        }
      }
      Manifest manifest = exported(backup.files(), disks);
      written.add(target.resolve(BackupLayout.temporary(BackupLayout.MANIFEST)));
      written.add(target.resolve(BackupLayout.MANIFEST));
      new FileRepository(target.getParent()).writeManifest(target, manifest);
      return new Result(target, manifest, manifest.totalBytes());
    } catch (IOException e) {
      removeWritten(target, created, written);
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      removeWritten(target, created, written);
      throw e;
    }
  }

  /**
   * The manifest of an exported backup: the stored one, with each disk described as the standalone
   * qcow2 image the export wrote. Everything else (domain, backup id, times, capture, the other files'
   * checksums) stays as recorded, since the content is the same point in time.
   */
  static Manifest exported(Manifest stored, List<ManifestDisk> disks) {
    return new Manifest(stored.formatVersion(), stored.domain(), stored.uuid(), stored.host(), stored.backupId(),
        stored.startedAt(), stored.completedAt(), stored.strategy(), stored.captureRequested(), stored.capture(),
        stored.warnings(), disks, stored.memoryState(), stored.domainXml(), stored.nvram(), stored.verified(),
        stored.parentBackupId(), stored.checkpoint(), stored.chain(), stored.stoppedMillis(),
        stored.bytesTransferred());
  }

  private ManifestDisk exportDisk(ChunkStore store, dev.vmbackup.store.Manifest stored, ManifestDisk disk,
      Path target, Set<String> names, List<Path> written) throws IOException {
    Path out = place(target, qcow2Name(disk), names);
    Path raw = target.resolve("." + disk.target() + ".export.raw");
    written.add(raw);
    written.add(raw.resolveSibling(raw.getFileName() + ".partial"));
    written.add(out);
    store.restore(stored, BackupLayout.storeDisk(disk.target()), raw);
    try {
      images.convertRaw(raw, out, "qcow2");
    } finally {
      Files.deleteIfExists(raw);
    }
    // The store held the disk as the guest saw it, whole: the exported image stands alone.
    return new ManifestDisk(disk.target(), target.relativize(out).toString(), "qcow2", disk.virtualSize(),
        Files.size(out), Checksums.sha256(out, Progress::tick), disk.sourcePath(), List.of(), disk.bitmap());
  }

  /** The manifest's file name of a disk, with the extension of the format it is exported in. */
  static String qcow2Name(ManifestDisk disk) {
    String suffix = "." + disk.format();
    return disk.file().endsWith(suffix) && !"qcow2".equals(disk.format())
        ? disk.file().substring(0, disk.file().length() - suffix.length()) + ".qcow2"
        : disk.file();
  }

  /**
   * A file's place in the backup directory. A stored manifest is data: a name that leads outside the
   * directory, into a subdirectory, or onto another file's name is refused rather than followed.
   */
  private static Path place(Path dir, String file, Set<String> names) {
    Path resolved = BackupFiles.resolve(dir, file);
    if (!resolved.getParent().equals(dir) || !names.add(resolved.getFileName().toString())) {
      throw new IllegalArgumentException("the stored manifest names '" + file + "', which an export cannot write");
    }
    return resolved;
  }

  private static List<ManifestFile> files(Manifest manifest) {
    return Stream.of(manifest.memoryState(), manifest.domainXml(), manifest.nvram())
        .filter(java.util.Objects::nonNull).toList();
  }

  /**
   * Refuses a directory that holds anything (an export never mixes with other files); creates a missing
   * one, and says whether it did.
   */
  private static boolean prepare(Path dir) {
    if (Files.isDirectory(dir)) {
      try (Stream<Path> entries = Files.list(dir)) {
        if (entries.findAny().isPresent()) {
          throw new IllegalArgumentException(dir + " is not empty; an export writes into a new or empty directory");
        }
        return false;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    if (Files.exists(dir)) {
      throw new IllegalArgumentException(dir + " exists and is not a directory");
    }
    try {
      Files.createDirectories(dir);
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Best effort: the failure that got here is what the caller reports, not a second one while tidying. */
  private static void removeWritten(Path dir, boolean created, List<Path> written) {
    for (Path file : written) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // Left behind, but without manifest.json the directory is no backup.
      }
    }
    if (created) {
      try {
        Files.deleteIfExists(dir);
      } catch (DirectoryNotEmptyException ignored) {
        // Someone else's file appeared meanwhile: the directory stays, theirs.
      } catch (IOException ignored) {
        // Left behind, empty.
      }
    }
  }
}
