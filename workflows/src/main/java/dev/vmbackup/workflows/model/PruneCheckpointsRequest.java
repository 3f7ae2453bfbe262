package dev.vmbackup.workflows.model;

/**
 * Deletes the checkpoints of a domain that no future backup needs: every vmbackup checkpoint except
 * the newest backup's (the next incremental starts from it) and the newest full backup's (the next
 * differential starts from it).
 *
 * @param repository the repository whose backups say which checkpoints are needed; absent: the host's default
 */
public record PruneCheckpointsRequest(String domain, String repository) {}
