package dev.vmbackup.workflows.model;

/**
 * Creates the {@code .partial} directory a backup is copied into.
 *
 * @param proposedBackupId the id the workflow derived from its start time; the next free second is
 *     taken if a backup of that id exists already
 * @param owner workflow run id, written into the partial directory so that a retry reuses it
 * @param domainXmlInactive whether to save the persistent definition (true) or the live one
 */
public record PrepareBackupRequest(
    String repository, String domain, String proposedBackupId, String owner, boolean domainXmlInactive) {}
