package dev.vmbackup.store;

import java.time.Instant;
import java.util.List;

/**
 * One backup, written after all its chunks and indexes: a backup without a manifest is not a backup.
 * Every manifest describes a complete image of each disk, whatever strategy produced it.
 *
 * @param backupId unique id, also the manifest's key ({@code manifests/<backupId>})
 * @param vm the VM's name
 * @param created when the backup was committed
 * @param parent the backup whose indexes this one reused for unchanged regions, or null
 * @param disks the disks
 * @param blobs memory state, domain XML, NVRAM and the like
 */
public record Manifest(String backupId, String vm, Instant created, String parent, List<Item> disks,
    List<Item> blobs) {
  public Manifest {
    disks = List.copyOf(disks);
    blobs = List.copyOf(blobs);
  }

  /**
   * One disk or blob of a backup.
   *
   * @param name the disk's target name (vda) or the blob's name (domain.xml)
   * @param size bytes of the image or blob
   * @param index the key of its index object
   * @param chunks chunks in the index (zero chunks included)
   * @param newChunks chunks this backup stored that were not in the store
   * @param newBytes bytes (after compression and encryption) of those new chunks
   */
  public record Item(String name, long size, String index, int chunks, int newChunks, long newBytes) {}

  /** The item of that name among disks and blobs. */
  public Item item(String name) {
    return java.util.stream.Stream.concat(disks.stream(), blobs.stream()).filter(item -> item.name().equals(name))
        .findFirst().orElseThrow(() -> new IllegalArgumentException("backup " + backupId + " has no disk or blob " + name));
  }

  /** The backend key of a manifest. */
  public static String key(String backupId) {
    return "manifests/" + backupId;
  }
}
