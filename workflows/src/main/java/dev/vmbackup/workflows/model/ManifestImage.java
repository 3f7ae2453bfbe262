package dev.vmbackup.workflows.model;

/**
 * A backing layer of a disk as retained in a backup.
 *
 * @param file path relative to the backup directory
 * @param format qemu image format
 * @param virtualSize guest-visible size in bytes
 * @param bytes logical size of the file in bytes
 * @param sha256 hex SHA-256 of the file's whole logical content
 * @param sourcePath where the layer lived on the host when it was backed up
 */
public record ManifestImage(
    String file, String format, long virtualSize, long bytes, String sha256, String sourcePath) {}
