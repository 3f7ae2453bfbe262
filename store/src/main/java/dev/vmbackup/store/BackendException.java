package dev.vmbackup.store;

/**
 * The backend could not carry out an operation (an I/O error, or an S3 endpoint that stayed unreachable
 * for longer than its retry budget). A writer that meets it may be run again: chunks already stored are
 * not stored twice.
 */
public final class BackendException extends StoreException {
  private static final long serialVersionUID = 1L;

  public BackendException(String message, Throwable cause) {
    super(message, cause);
  }
}
