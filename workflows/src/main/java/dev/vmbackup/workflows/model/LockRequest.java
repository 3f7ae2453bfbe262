package dev.vmbackup.workflows.model;

/**
 * Claims or releases the one-backup-at-a-time lock of a domain on its host.
 *
 * @param domain the domain the lock guards
 * @param workflowId workflow that holds (or wants) the lock
 * @param runId run of that workflow, so a new run with the same workflow id is a new owner
 */
public record LockRequest(String domain, String workflowId, String runId) {}
