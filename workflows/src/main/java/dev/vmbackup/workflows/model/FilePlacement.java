package dev.vmbackup.workflows.model;

/**
 * One file to copy out of a backup.
 *
 * @param file path relative to the backup directory
 * @param destination absolute path to create
 * @param format qemu image format, or null for a file that is not an image
 * @param bytes expected logical size
 * @param sha256 expected checksum, checked while copying
 */
public record FilePlacement(String file, String destination, String format, long bytes, String sha256) {}
