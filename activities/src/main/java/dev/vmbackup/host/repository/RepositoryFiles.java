package dev.vmbackup.host.repository;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file operations under {@link FileRepository}: durability (fsync of files and directories),
 * listing and deleting trees, and turning I/O errors into what the caller should do about them (a
 * {@link RepositoryException} when retrying cannot help, an {@link UncheckedIOException} to retry).
 */
final class RepositoryFiles {
  private static final Logger LOG = LoggerFactory.getLogger(RepositoryFiles.class);

  private RepositoryFiles() {}

  /**
   * Makes every regular file in the tree durable, then every directory, so that the files' names are
   * durable too. Files are opened for reading: fsync needs no write access, and read-only files
   * (which a backup's images may be) can still be synced.
   */
  static void syncTree(Path top) throws IOException {
    List<Path> directories = new ArrayList<>();
    try (var paths = Files.walk(top)) {
      for (Path path : (Iterable<Path>) paths::iterator) {
        if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
          try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            channel.force(true);
          }
        } else if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
          directories.add(path);
        }
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    directories.forEach(RepositoryFiles::syncDirectory);
  }

  /**
   * Makes a directory's entries durable. Some filesystems refuse to open or fsync a directory; there
   * is nothing better to do on them, so that is ignored.
   */
  static void syncDirectory(Path directory) {
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      LOG.debug("cannot fsync directory {}: {}", directory, e.toString());
    }
  }

  /** Entries of a directory, sorted by name. */
  static List<Path> children(Path dir) {
    List<Path> children = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      entries.forEach(children::add);
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw ioFailure("cannot list " + dir, e);
    }
    children.sort(null);
    return children;
  }

  /** Deletes a file or a whole tree; what is missing already counts as deleted. Links are not followed. */
  static void deleteRecursively(Path top) {
    if (!Files.exists(top, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    List<Path> paths = new ArrayList<>();
    try (var walk = Files.walk(top)) {
      walk.forEach(paths::add);
    } catch (NoSuchFileException e) {
      return;
    } catch (IOException | UncheckedIOException e) {
      throw ioFailure("cannot delete " + top, e instanceof UncheckedIOException u ? u.getCause() : (IOException) e);
    }
    // Deepest first, so that every directory is empty by the time its turn comes.
    for (int i = paths.size() - 1; i >= 0; i--) {
      try {
        Files.deleteIfExists(paths.get(i));
      } catch (IOException e) {
        throw ioFailure("cannot delete " + paths.get(i), e);
      }
    }
  }

  static RepositoryException notWritable(Path path, IOException e) {
    String context = "cannot create " + path;
    return RepositoryException.classify(context, e)
        .orElseGet(() -> new RepositoryException(RepositoryException.Kind.NOT_WRITABLE,
            context + ": " + describe(context, e), e));
  }

  /** A {@link RepositoryException} when retrying cannot help, else the error wrapped for a retry. */
  static RuntimeException ioFailure(String context, IOException e) {
    return RepositoryException.classify(context, e)
        .<RuntimeException>map(r -> r)
        .orElseGet(() -> new UncheckedIOException(context + ": " + describe(context, e), e));
  }

  /**
   * The reason of an I/O error in a few words. Java leaves the reason out of some file system
   * exceptions and says it through the class instead; the failing path is added unless the context
   * names it already.
   */
  static String describe(String context, IOException e) {
    if (!(e instanceof FileSystemException)) {
      return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().replaceAll("\\s*\\R\\s*", " ");
    }
    FileSystemException fse = (FileSystemException) e;
    String reason = fse.getReason();
    if (reason == null) {
      if (e instanceof NoSuchFileException) {
        reason = "No such file or directory";
      } else if (e instanceof FileAlreadyExistsException) {
        reason = "File exists";
      } else if (e instanceof NotDirectoryException) {
        reason = "Not a directory";
      } else if (e instanceof AccessDeniedException) {
        reason = "Permission denied";
      } else {
        reason = e.getClass().getSimpleName();
      }
    }
    boolean named = fse.getFile() == null || context.endsWith(fse.getFile());
    return named ? reason : fse.getFile() + ": " + reason;
  }
}
