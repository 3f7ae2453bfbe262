package dev.vmbackup.activities;

import dev.vmbackup.host.image.CheckResult;
import dev.vmbackup.host.image.ImageTool;
import dev.vmbackup.host.repository.Json;
import dev.vmbackup.workflows.BackupIds;
import dev.vmbackup.workflows.BackupLayout;
import dev.vmbackup.workflows.model.CopyProgress;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.VerifyResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Re-reads a backup against its manifest: sizes, checksums, {@code qemu-img check}, and that every
 * backup it builds on is there. Without Temporal, so that the verify step, the command line and the
 * HTTP API all run the same checks.
 */
public final class BackupVerifier {
  /** More backups than any sane chain holds means a loop or a corrupt repository. */
  static final int MAX_CHAIN = 10_000;

  private final ImageTool images;

  public BackupVerifier(ImageTool images) {
    this.images = images;
  }

  /**
   * Checks every listed file's size and checksum, then {@code qemu-img check}s every qcow2 image.
   *
   * @param progress told a {@link CopyProgress} between chunks; heartbeats inside an activity
   */
  public VerifyResult verify(Path dir, Manifest manifest, Consumer<CopyProgress> progress) {
    List<String> problems = new ArrayList<>();
    List<BackupFiles.Entry> entries = BackupFiles.entries(manifest);
    long total = entries.stream().mapToLong(BackupFiles.Entry::bytes).sum();
    long done = 0;
    int index = 0;
    for (BackupFiles.Entry entry : entries) {
      Path file;
      try {
        file = BackupFiles.resolve(dir, entry.file());
      } catch (IllegalArgumentException e) {
        problems.add(e.getMessage());
        continue;
      }
      CopyProgress at = new CopyProgress(index++, 0, done, total);
      problems.addAll(checkFile(file, entry, () -> progress.accept(at)));
      done += entry.bytes();
    }
    if (problems.isEmpty()) {
      for (BackupFiles.Entry entry : entries) {
        if ("qcow2".equals(entry.format())) {
          CheckResult check = images.check(dir.resolve(entry.file()), entry.format());
          if (!check.ok()) {
            problems.add(entry.file() + ": qemu-img check failed: " + check.summary());
          }
        }
      }
    }
    problems.addAll(missingAncestors(dir, manifest));
    return new VerifyResult(dir.toString(), problems.isEmpty(), problems, entries.size(), done);
  }

  /**
   * A backup that builds on others is only restorable with all of them: each one it names, and each
   * one those name, must be a published backup beside it. Their files are checked when they are
   * verified themselves.
   */
  static List<String> missingAncestors(Path dir, Manifest manifest) {
    Path domainDir = dir.getParent();
    List<String> seen = new ArrayList<>(List.of(manifest.backupId()));
    Manifest current = manifest;
    while (current.parentBackupId() != null) {
      String parent = current.parentBackupId();
      if (!BackupIds.isValid(parent)) {
        return List.of("backup " + current.backupId() + " names an invalid parent '" + parent + "'");
      }
      if (seen.contains(parent) || seen.size() > MAX_CHAIN) {
        return List.of("the chain of backup " + manifest.backupId() + " loops or is longer than " + MAX_CHAIN);
      }
      seen.add(parent);
      Path file = domainDir.resolve(parent).resolve(BackupLayout.MANIFEST);
      try {
        current = Json.MAPPER.readValue(file.toFile(), Manifest.class);
      } catch (IOException e) {
        return List.of("the chain is incomplete: backup " + current.backupId() + " needs backup " + parent
            + ", which " + (Files.exists(file) ? "cannot be read: " + e.getMessage() : "is missing"));
      }
    }
    return List.of();
  }

  private static List<String> checkFile(Path file, BackupFiles.Entry entry, Runnable beat) {
    try {
      if (!Files.isRegularFile(file)) {
        return List.of(entry.file() + ": missing");
      }
      long size = Files.size(file);
      if (size != entry.bytes()) {
        return List.of(entry.file() + ": " + size + " bytes, manifest says " + entry.bytes());
      }
      String sha256 = Checksums.sha256(file, beat);
      if (!sha256.equals(entry.sha256())) {
        return List.of(entry.file() + ": checksum " + sha256 + " does not match the manifest's " + entry.sha256());
      }
      return List.of();
    } catch (IOException e) {
      return List.of(entry.file() + ": unreadable: " + e.getMessage());
    }
  }
}
