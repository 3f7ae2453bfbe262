package dev.vmbackup.workflows.model;

/**
 * One file to copy out of a backup.
 *
 * @param file path relative to the backup directory
 * @param destination absolute path to create
 * @param format qemu image format, or null for a file that is not an image
 * @param bytes expected logical size
 * @param sha256 expected checksum, checked while copying
 * @param backupId the backup whose directory holds the file: a point of a chain is made of files of
 *     several backups; null for the backup being restored
 */
public record FilePlacement(
    String file, String destination, String format, long bytes, String sha256, String backupId) {
  /** A file of the backup being restored. */
  public FilePlacement(String file, String destination, String format, long bytes, String sha256) {
    this(file, destination, format, bytes, sha256, null);
  }
}
