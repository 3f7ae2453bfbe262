package dev.vmbackup.workflows.model;

/**
 * A file of a backup other than a disk image (memory state, domain XML, NVRAM).
 *
 * @param file path relative to the backup directory
 * @param bytes logical size in bytes
 * @param sha256 hex SHA-256 of the whole logical content
 */
public record ManifestFile(String file, long bytes, String sha256) {}
