package dev.vmbackup.workflows.model;

/**
 * A backup as it went into a store.
 *
 * @param store the store repository's name
 * @param storeBackupId the backup's id inside the store (derived from the domain's UUID and the backup id,
 *     so that it names no VM in an encrypted store)
 * @param bytesRead bytes of disk images and files read to build it
 * @param newChunks chunks the store did not hold before
 * @param newBytes bytes those chunks take in the store (compressed, encrypted)
 * @param chunksVerified chunks re-read from the store and checked after the backup was committed
 */
public record StoreIngestResult(String store, String storeBackupId, long bytesRead, long newChunks, long newBytes,
    long chunksVerified) {
  /** Where the backup is, as results and listings show it. */
  public String location() {
    return "store:" + store + "/" + storeBackupId;
  }
}
