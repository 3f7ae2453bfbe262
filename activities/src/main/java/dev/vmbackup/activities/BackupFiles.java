package dev.vmbackup.activities;

import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.ManifestDisk;
import dev.vmbackup.workflows.model.ManifestFile;
import dev.vmbackup.workflows.model.ManifestImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The files a manifest lists, resolved inside the backup directory. */
final class BackupFiles {
  /**
   * One listed file.
   *
   * @param format qemu image format, or null for a file that is not an image
   */
  record Entry(String file, String format, long bytes, String sha256) {}

  private BackupFiles() {}

  static List<Entry> entries(Manifest manifest) {
    List<Entry> entries = new ArrayList<>();
    for (ManifestDisk disk : manifest.disks()) {
      entries.add(new Entry(disk.file(), disk.format(), disk.bytes(), disk.sha256()));
      for (ManifestImage layer : disk.backing()) {
        entries.add(new Entry(layer.file(), layer.format(), layer.bytes(), layer.sha256()));
      }
    }
    for (ManifestFile file : new ManifestFile[] {manifest.memoryState(), manifest.domainXml(), manifest.nvram()}) {
      if (file != null) {
        entries.add(new Entry(file.file(), null, file.bytes(), file.sha256()));
      }
    }
    return entries;
  }

  /**
   * Resolves a manifest's file name inside the backup directory. A manifest is data from disk: a name
   * that would lead outside the directory is refused rather than followed.
   */
  static Path resolve(Path backupDir, String file) {
    Path resolved = backupDir.resolve(file).normalize();
    if (!resolved.startsWith(backupDir) || resolved.equals(backupDir)) {
      throw new IllegalArgumentException("manifest names '" + file + "', outside its backup directory");
    }
    // A symbolic link would lead elsewhere just the same: a backup's files are regular files.
    if (java.nio.file.Files.isSymbolicLink(resolved)) {
      throw new IllegalArgumentException("manifest names '" + file + "', a symbolic link");
    }
    return resolved;
  }
}
