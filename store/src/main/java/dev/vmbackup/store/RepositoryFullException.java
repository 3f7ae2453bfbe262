package dev.vmbackup.store;

/**
 * The backend has no room for another object (a local filesystem that returned ENOSPC). Nothing partial
 * is listed: the object that did not fit was written to a temporary name and removed.
 */
public final class RepositoryFullException extends StoreException {
  private static final long serialVersionUID = 1L;

  public RepositoryFullException(String message, Throwable cause) {
    super(message, cause);
  }
}
