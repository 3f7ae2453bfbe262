package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * A disk as retained in a backup: the frozen active image and, below it, its backing layers.
 *
 * @param target guest device name ({@code vda})
 * @param file path of the retained active image, relative to the backup directory
 * @param format qemu image format of that file
 * @param virtualSize guest-visible size in bytes
 * @param bytes logical size of the file in bytes
 * @param sha256 hex SHA-256 of the file's whole logical content
 * @param sourcePath where the image lived on the host when it was backed up
 * @param backing the retained backing layers, nearest first; each file's qcow2 header still names
 *     its original backing path, which a restore rewrites
 * @param bitmap the persistent dirty bitmap that tracks this disk's changes since this backup
 *     (incremental strategies), else null
 */
public record ManifestDisk(
    String target,
    String file,
    String format,
    long virtualSize,
    long bytes,
    String sha256,
    String sourcePath,
    List<ManifestImage> backing,
    String bitmap) {
  public ManifestDisk {
    backing = backing == null ? List.of() : List.copyOf(backing);
  }

  /** A disk without a dirty bitmap. */
  public ManifestDisk(String target, String file, String format, long virtualSize, long bytes, String sha256,
      String sourcePath, List<ManifestImage> backing) {
    this(target, file, format, virtualSize, bytes, sha256, sourcePath, backing, null);
  }
}
