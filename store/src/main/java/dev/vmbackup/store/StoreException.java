package dev.vmbackup.store;

/**
 * Base of every failure the store reports. Each subclass names one cause an operator can act on; the
 * message says what to do where there is something to do.
 */
public class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreException(String message) {
    super(message);
  }

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
