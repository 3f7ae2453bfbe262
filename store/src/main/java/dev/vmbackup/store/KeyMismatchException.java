package dev.vmbackup.store;

/**
 * The key given does not open this store: the store is encrypted and no key was given, the key's
 * fingerprint differs from the one in {@code store.json}, or a key was given for an unencrypted store.
 * Raised when the store is opened, before any chunk, index or manifest is read.
 */
public final class KeyMismatchException extends StoreException {
  private static final long serialVersionUID = 1L;

  public KeyMismatchException(String message) {
    super(message);
  }
}
