package dev.vmbackup.host.repository;

/** A repository problem that retrying will not fix. */
public class RepositoryException extends RuntimeException {
  /** What went wrong, so that the activity boundary can classify it. */
  public enum Kind {
    NOT_WRITABLE,
    FULL,
    NOT_FOUND,
    CORRUPT
  }

  private final Kind kind;

  public RepositoryException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public RepositoryException(Kind kind, String message) {
    this(kind, message, null);
  }

  public Kind kind() {
    return kind;
  }
}
