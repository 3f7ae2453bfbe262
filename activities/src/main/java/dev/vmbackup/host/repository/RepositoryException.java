package dev.vmbackup.host.repository;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.util.Optional;

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

  /**
   * Recognizes the I/O errors that retrying will not fix: a full filesystem or exhausted quota
   * ({@link Kind#FULL}), and a denied or read-only destination ({@link Kind#NOT_WRITABLE}). Anything
   * else (a flaky network filesystem, say) is left to the caller, which retries it.
   *
   * @param context what was being done, such as {@code "cannot write /backups/vm1/x.partial/vda.qcow2"}
   * @return the exception to throw, with a one-line message of context and reason
   */
  public static Optional<RepositoryException> classify(String context, IOException e) {
    // The reason may sit on a cause (an UncheckedIOException unwrapped by the caller, say), so
    // every message in the chain is looked at.
    for (Throwable t = e; t != null; t = t.getCause()) {
      String reason = reason(t);
      if (reason.contains("No space left on device") || reason.contains("Disk quota exceeded")) {
        return Optional.of(new RepositoryException(Kind.FULL, context + ": " + reason, e));
      }
      // java.io reports EACCES as a FileNotFoundException "(Permission denied)", not as an AccessDeniedException.
      if (t instanceof AccessDeniedException
          || reason.contains("Read-only file system")
          || reason.contains("Permission denied")) {
        return Optional.of(new RepositoryException(
            Kind.NOT_WRITABLE, context + ": " + (reason.isEmpty() ? "permission denied" : reason), e));
      }
    }
    return Optional.empty();
  }

  /** The operating system's reason, without the paths a FileSystemException's message starts with. */
  private static String reason(Throwable t) {
    String reason = t instanceof FileSystemException ? ((FileSystemException) t).getReason() : t.getMessage();
    return reason == null ? "" : reason.strip().replaceAll("\\s*\\R\\s*", " ");
  }
}
