package dev.vmbackup.workflows.model;

/** Names one backup: {@code <repository>/<domain>/<backupId>}. */
public record BackupRef(String repository, String domain, String backupId) {}
