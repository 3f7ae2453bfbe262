package dev.vmbackup.store;

/**
 * A stored object failed its check: its authentication tag, its decompression or its digest does not
 * match what the index promised. The restore that met it has written nothing of it.
 */
public final class CorruptChunkException extends StoreException {
  private static final long serialVersionUID = 1L;
  private final String key;

  public CorruptChunkException(String key, String reason) {
    super("object " + key + " is corrupt: " + reason);
    this.key = key;
  }

  /** The backend key of the corrupt object. */
  public String key() {
    return key;
  }
}
