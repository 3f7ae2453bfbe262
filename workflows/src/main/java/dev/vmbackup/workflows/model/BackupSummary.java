package dev.vmbackup.workflows.model;

/**
 * What retention needs to know of a backup.
 *
 * @param parentBackupId the backup it builds on, or null
 * @param protectedBackup never pruned
 * @param checkpoint the libvirt checkpoint it created, or null
 */
public record BackupSummary(String backupId, String parentBackupId, boolean protectedBackup, String checkpoint) {}
