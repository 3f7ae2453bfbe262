package dev.vmbackup.workflows.model;

/**
 * @param record whether to write the outcome into the manifest's {@code verified} field
 */
public record VerifyRequest(String repository, String domain, String backupId, boolean record) {}
