package dev.vmbackup.store;

/** An object the store expected (a chunk an index names, an index a manifest names) is absent. */
public final class MissingObjectException extends StoreException {
  private static final long serialVersionUID = 1L;
  private final String key;

  public MissingObjectException(String key) {
    super("object " + key + " is missing from the store");
    this.key = key;
  }

  /** The backend key of the missing object. */
  public String key() {
    return key;
  }
}
