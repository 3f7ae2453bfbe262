package dev.vmbackup.workflows.model;

/**
 * What a running backup or restore is doing, answered by a workflow query.
 *
 * @param step the current step ({@code lock}, {@code inspect}, {@code snapshot}, {@code copy}, {@code merge},
 *     {@code verify}, {@code compensate}, {@code done})
 * @param backupId the backup's id once known
 * @param path the backup directory once known
 */
public record BackupStatus(String step, String backupId, String path) {}
