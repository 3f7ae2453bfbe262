package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * What both publish steps (the copy of strategies full and chain, the publish of a backup job's
 * images) are told about the backup they put in place: where it goes, and what its manifest records
 * about the run. The two requests carry it unwrapped, so that their JSON stays one flat object.
 *
 * @param partialDir the directory the step fills, invisible to listings until it is moved into place
 * @param finalDir where the complete backup is moved
 * @param captureRequested the capture the request asked for; {@code capture} is the one achieved
 * @param nvram the NVRAM file to copy, or null
 * @param startedAtMillis workflow start, for the manifest
 * @param parentBackupId the backup this one builds on, or null when it stands alone
 */
public record PublishHeader(
    String repository,
    String domain,
    String backupId,
    String partialDir,
    String finalDir,
    String host,
    String uuid,
    Strategy strategy,
    CaptureMode captureRequested,
    CaptureMode capture,
    List<String> warnings,
    String nvram,
    long startedAtMillis,
    String parentBackupId) {
  public PublishHeader {
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
  }
}
