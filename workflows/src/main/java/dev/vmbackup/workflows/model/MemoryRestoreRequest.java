package dev.vmbackup.workflows.model;

/** Resumes a shut-off domain from the memory state saved in a backup. */
public record MemoryRestoreRequest(BackupRef backup, String domain) {}
