package dev.vmbackup.store;

/**
 * The store's own description, {@code store.json}, written once by {@code init} and never encrypted, so
 * that a reader learns the chunk size and whether (and with which key) to decrypt before reading anything
 * else.
 *
 * @param formatVersion the version of the format in {@code docs/store-format.md}
 * @param chunkSize bytes per chunk, a power of two from 64 KiB to 4 MiB
 * @param encrypted whether chunks, indexes and manifests are encrypted
 * @param keyFingerprint the fingerprint of the store key when encrypted, else null
 * @param compressionLevel zstd level used when writing (readers need not know it)
 */
public record StoreConfig(int formatVersion, int chunkSize, boolean encrypted, String keyFingerprint,
    int compressionLevel) {
  /** The format version this code writes and reads. */
  public static final int FORMAT_VERSION = 1;
  /** The chunk size chosen by measurement (see docs/store-format.md). */
  public static final int DEFAULT_CHUNK_SIZE = 256 * 1024;
  /** zstd's level 3: its default, about 400 MB/s per core on disk images. */
  public static final int DEFAULT_COMPRESSION_LEVEL = 3;

  public StoreConfig {
    if (chunkSize < 64 * 1024 || chunkSize > 4 * 1024 * 1024 || Integer.bitCount(chunkSize) != 1) {
      throw new IllegalArgumentException("chunk size must be a power of two from 64 KiB to 4 MiB, not " + chunkSize);
    }
    if (encrypted != (keyFingerprint != null)) {
      throw new IllegalArgumentException("an encrypted store needs a key fingerprint, and only it");
    }
  }

  /** A new store's configuration: the default chunk size, encrypted when a key is given. */
  public static StoreConfig of(int chunkSize, StoreKey key) {
    return new StoreConfig(FORMAT_VERSION, chunkSize, key != null, key == null ? null : key.fingerprint(),
        DEFAULT_COMPRESSION_LEVEL);
  }
}
