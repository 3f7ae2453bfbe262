package dev.vmbackup.host.repository;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RepositoryExceptionTest {
  @Test
  void noSpaceLeftIsFull() {
    IOException error = new IOException("No space left on device");

    assertThat(RepositoryException.classify("cannot write /r/x", error)).hasValueSatisfying(e -> {
      assertThat(e.kind()).isEqualTo(RepositoryException.Kind.FULL);
      assertThat(e.getMessage()).isEqualTo("cannot write /r/x: No space left on device");
      assertThat(e.getCause()).isSameAs(error);
    });
  }

  @Test
  void anExhaustedQuotaIsFullAndTheReasonIsTakenWithoutThePath() {
    IOException error = new FileSystemException("/r/x", null, "Disk quota exceeded");

    assertThat(RepositoryException.classify("cannot write /r/x", error)).hasValueSatisfying(e -> {
      assertThat(e.kind()).isEqualTo(RepositoryException.Kind.FULL);
      assertThat(e.getMessage()).isEqualTo("cannot write /r/x: Disk quota exceeded");
    });
  }

  @Test
  void aReasonOnACauseCounts() {
    IOException error =
        new IOException("copy failed", new UncheckedIOException(new IOException("No space left on device")));

    assertThat(RepositoryException.classify("cannot copy", error).map(RepositoryException::kind))
        .contains(RepositoryException.Kind.FULL);
  }

  @Test
  void deniedAccessIsNotWritable() {
    assertThat(kindOf(new AccessDeniedException("/r/x"))).contains(RepositoryException.Kind.NOT_WRITABLE);
    assertThat(kindOf(new FileNotFoundException("/r/x (Permission denied)")))
        .contains(RepositoryException.Kind.NOT_WRITABLE);
    assertThat(RepositoryException.classify("cannot create /r/x", new AccessDeniedException("/r/x")))
        .map(Throwable::getMessage).contains("cannot create /r/x: permission denied");
  }

  @Test
  void aReadOnlyFilesystemIsNotWritable() {
    IOException error = new FileSystemException("/r/x", null, "Read-only file system");

    assertThat(kindOf(error)).contains(RepositoryException.Kind.NOT_WRITABLE);
  }

  @Test
  void otherErrorsAreLeftToBeRetried() {
    assertThat(kindOf(new IOException("Input/output error"))).isEmpty();
    assertThat(kindOf(new FileSystemException("/r/x", null, "Stale file handle"))).isEmpty();
    assertThat(kindOf(new IOException())).isEmpty();
  }

  private static Optional<RepositoryException.Kind> kindOf(IOException error) {
    return RepositoryException.classify("context", error).map(RepositoryException::kind);
  }
}
