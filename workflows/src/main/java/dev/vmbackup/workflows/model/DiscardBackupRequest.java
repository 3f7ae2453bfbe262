package dev.vmbackup.workflows.model;

/**
 * Removes what a failed or cancelled backup put into the repository.
 *
 * @param backupId the backup's id if the workflow learnt it, else null
 * @param owner the workflow run id; partial directories this run created are removed even when the
 *     workflow never learnt their id
 */
public record DiscardBackupRequest(String repository, String domain, String backupId, String owner) {}
