package dev.vmbackup.workflows.model;

/**
 * @param backupId the id the backup actually got
 * @param partialDir absolute path of the directory being filled
 * @param finalDir absolute path the directory is renamed to once it is complete
 */
public record PreparedBackup(String backupId, String partialDir, String finalDir) {}
