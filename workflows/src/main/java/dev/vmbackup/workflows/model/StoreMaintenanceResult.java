package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * What a store's upkeep did; a part that did not run is null.
 *
 * @param repository the store repository
 * @param host the host that ran it
 * @param sync the copy off-site
 * @param verify the re-read of chunks
 * @param collection the garbage collection
 */
public record StoreMaintenanceResult(String repository, String host, Sync sync, Verify verify,
    Collection collection) {
  /**
   * @param target the store the backups were copied into
   * @param backupsCopied backups the target lacked and now has
   * @param chunksSent chunks sent to the target
   * @param bytesSent their bytes, as stored
   * @param chunksPresent chunks the target had already
   */
  public record Sync(String target, int backupsCopied, long chunksSent, long bytesSent, long chunksPresent) {}

  /**
   * @param backups backups whose manifests and indexes were read
   * @param referencedChunks distinct chunks they reference
   * @param checkedChunks chunks re-read
   * @param badChunks chunks missing or corrupt, each "key: reason"
   * @param failedBackups backups that reference a bad chunk, as "domain backupId" where known
   */
  public record Verify(int backups, int referencedChunks, int checkedChunks, List<String> badChunks,
      List<String> failedBackups) {
    public Verify {
      badChunks = badChunks == null ? List.of() : List.copyOf(badChunks);
      failedBackups = failedBackups == null ? List.of() : List.copyOf(failedBackups);
    }

    public boolean ok() {
      return badChunks.isEmpty() && failedBackups.isEmpty();
    }
  }

  /**
   * @param markedChunks chunks some backup references
   * @param deletedChunks unreferenced chunks deleted
   * @param deletedBytes their bytes
   * @param keptYoung unreferenced chunks kept because they are younger than the grace period
   * @param deletedIndexes indexes of backups that no longer exist, deleted
   */
  public record Collection(int markedChunks, int deletedChunks, long deletedBytes, int keptYoung,
      int deletedIndexes) {}
}
