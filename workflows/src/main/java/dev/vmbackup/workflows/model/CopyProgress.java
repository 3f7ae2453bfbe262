package dev.vmbackup.workflows.model;

/**
 * Heartbeat details of a copy: where a retried copy resumes, and what a progress display shows.
 *
 * @param fileIndex index of the file being copied in the copy's fixed order
 * @param offset bytes of that file already copied and made durable
 * @param bytesDone logical bytes processed over all files
 * @param bytesTotal logical bytes of all files
 */
public record CopyProgress(int fileIndex, long offset, long bytesDone, long bytesTotal) {
  public static final CopyProgress START = new CopyProgress(0, 0, 0, 0);
}
