package dev.vmbackup.workflows.model;

/**
 * @param keep whether the backup stays
 * @param reason why, e.g. {@code keep-daily 2026-11-22}, {@code needed by 20261123T000000Z},
 *     {@code protected}, {@code not selected by any rule}
 */
public record PruneDecision(String backupId, boolean keep, String reason) {}
