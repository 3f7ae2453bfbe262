package dev.vmbackup.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A store in a local or mounted directory: one file per object, the key's slashes as directories.
 *
 * <p>An object is written to a temporary name in its final directory, forced to disk, and then linked to
 * its key; the link fails if the key exists, which makes put-if-absent atomic without a lock, and a crash
 * leaves at most a temporary file (named {@code .tmp-*}, never listed, removed by the garbage collector).
 * The directory is forced after the link, at the next {@link #flush()}, so that a stored object survives
 * a power loss. Chunks take the same steps, but the forcing and the rename run behind the writer (see
 * {@link WriteBehind}); every method waits for a chunk still on its way before it answers about its key.
 */
public final class LocalBackend implements Backend {
  private static final String TEMP_PREFIX = ".tmp-";
  private static final int FLUSH_THREADS = 16;
  private final Path root;
  private final java.util.Set<Path> knownDirectories = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final WriteBehind writeBehind = new WriteBehind("store-force");

  public LocalBackend(Path root) {
    this.root = root.toAbsolutePath();
    try {
      Files.createDirectories(this.root);
    } catch (IOException e) {
      throw failure("cannot create the store directory " + this.root, e);
    }
  }

  /** The stage that forces and renames chunks (for tests). */
  WriteBehind writeBehind() {
    return writeBehind;
  }

  /** The directory this backend stores into. */
  public Path root() {
    return root;
  }

  @Override
  public boolean putIfAbsent(String key, byte[] data) {
    Path target = resolve(key);
    boolean chunk = key.startsWith("chunks/");
    if (chunk && writeBehind.isPending(target) || Files.exists(target)) {
      return false;
    }
    Path dir = target.getParent();
    Path temp = dir.resolve(TEMP_PREFIX + UUID.randomUUID());
    boolean handedOver = false;
    try {
      if (!knownDirectories.contains(dir)) {
        // Remembered, because createDirectories on an existing directory throws and catches an
        // exception inside the JDK, once per chunk otherwise.
        Files.createDirectories(dir);
        knownDirectories.add(dir);
      }
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(data);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        if (!chunk) {
          channel.force(true);
        }
      }
      if (chunk) {
        // A chunk's content is fixed by its name, so replacing a copy that a concurrent writer renamed
        // meanwhile changes nothing, and a rename saves the link's extra unlink; the write-behind stage
        // forces it and renames it while this thread goes on to the next chunk.
        handedOver = writeBehind.submit(temp, target);
        return handedOver;
      }
      try {
        Files.createLink(target, temp);
      } catch (FileAlreadyExistsException raced) {
        // Another writer stored the same key first. Objects are content-addressed or uniquely named, so
        // its copy is as good as ours.
        return false;
      } catch (UnsupportedOperationException noLinks) {
        Files.move(temp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      }
      writeBehind.dirty(dir);
      return true;
    } catch (IOException e) {
      throw failure("cannot store " + key + " in " + root, e);
    } finally {
      if (!handedOver) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException ignored) {
          // A leftover temporary file is never listed and the garbage collector removes it.
        }
      }
    }
  }

  @Override
  public Optional<byte[]> get(String key) {
    try {
      return Optional.of(Files.readAllBytes(settled(key)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw failure("cannot read " + key + " from " + root, e);
    }
  }

  @Override
  public Optional<ObjectInfo> stat(String key) {
    try {
      BasicFileAttributes attributes = Files.readAttributes(settled(key), BasicFileAttributes.class);
      return Optional.of(new ObjectInfo(key, attributes.size(), attributes.lastModifiedTime().toInstant()));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw failure("cannot read the attributes of " + key + " in " + root, e);
    }
  }

  @Override
  public void touch(String key) {
    try {
      Files.setLastModifiedTime(settled(key), FileTime.from(Instant.now()));
    } catch (NoSuchFileException e) {
      throw new MissingObjectException(key);
    } catch (IOException e) {
      throw failure("cannot touch " + key + " in " + root, e);
    }
  }

  /** Sets an object's time; tests use it to age objects past a grace period. */
  void setLastModified(String key, Instant time) throws IOException {
    Files.setLastModifiedTime(settled(key), FileTime.from(time));
  }

  @Override
  public List<ObjectInfo> list(String prefix) {
    // The walk starts at the deepest directory the prefix names, so that listing one backup's indexes
    // does not walk every chunk.
    int slash = prefix.lastIndexOf('/');
    Path start = slash < 0 ? root : resolve(prefix.substring(0, slash));
    writeBehind.settleAll();
    if (!Files.isDirectory(start)) {
      return List.of();
    }
    List<ObjectInfo> result = new ArrayList<>();
    try {
      // A file tree walk rather than Files.walk: objects and temporary files that concurrent writers and
      // collections create and remove during the walk must be skipped, not end the listing.
      Files.walkFileTree(start, new SkippingVanished() {
        @Override
        public java.nio.file.FileVisitResult visitFile(Path path, BasicFileAttributes attributes) {
          String key = root.relativize(path).toString().replace(java.io.File.separatorChar, '/');
          if (attributes.isRegularFile() && key.startsWith(prefix)
              && !path.getFileName().toString().startsWith(TEMP_PREFIX)) {
            result.add(new ObjectInfo(key, attributes.size(), attributes.lastModifiedTime().toInstant()));
          }
          return java.nio.file.FileVisitResult.CONTINUE;
        }
      });
    } catch (NoSuchFileException gone) {
      return List.of();
    } catch (IOException e) {
      throw failure("cannot list " + prefix + " in " + root, e);
    }
    return result;
  }

  /** Removes temporary files older than {@code before} that crashed writers left behind. */
  int removeStaleTemporaries(Instant before) {
    int[] removed = {0};
    try {
      Files.walkFileTree(root, new SkippingVanished() {
        @Override
        public java.nio.file.FileVisitResult visitFile(Path path, BasicFileAttributes attributes) throws IOException {
          if (path.getFileName().toString().startsWith(TEMP_PREFIX)
              && attributes.lastModifiedTime().toInstant().isBefore(before) && Files.deleteIfExists(path)) {
            removed[0]++;
          }
          return java.nio.file.FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw failure("cannot clean temporary files in " + root, e);
    }
    return removed[0];
  }

  @Override
  public void delete(String key) {
    try {
      Files.deleteIfExists(settled(key));
    } catch (IOException e) {
      throw failure("cannot delete " + key + " from " + root, e);
    }
  }

  @Override
  public void flush() {
    // Every object was forced before it got its name; what is left is to wait for the chunks still on
    // their way and to force the directories that gained names, once per directory however many chunks
    // it gained (256 directories at most for a disk's worth of chunks).
    writeBehind.settleAll();
    List<WriteBehind.Failure> failed = writeBehind.takeFailures();
    if (!failed.isEmpty()) {
      WriteBehind.Failure first = failed.get(0);
      StoreException e = failure("cannot store " + root.relativize(first.target()) + " in " + root, first.cause());
      failed.stream().skip(1).forEach(other -> e.addSuppressed(other.cause()));
      throw e;
    }
    List<Path> dirs = writeBehind.takeDirtyDirectories();
    java.util.concurrent.ForkJoinPool forcers = new java.util.concurrent.ForkJoinPool(FLUSH_THREADS);
    try {
      forcers.submit(() -> dirs.parallelStream().forEach(LocalBackend::forceDirectory)).get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw failure("cannot force objects to disk in " + root, (Exception) e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BackendException("interrupted while forcing objects to disk in " + root, e);
    } finally {
      forcers.shutdown();
    }
  }

  private static void forceDirectory(Path path) {
    try {
      WriteBehind.force(path, StandardOpenOption.READ);
    } catch (NoSuchFileException deleted) {
      // Removed since (a collection emptied it): nothing to keep.
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public int concurrency() {
    // Local writes are bounded by the disk, not by latency: two writers keep it busy.
    return 2;
  }

  @Override
  public void close() {
    writeBehind.close();
  }

  private Path resolve(String key) {
    if (key.isEmpty() || key.startsWith("/") || key.contains("..")) {
      throw new IllegalArgumentException("not a store key: " + key);
    }
    return root.resolve(key);
  }

  /** The path of {@code key}, once a chunk on its way to it is there (or has failed). */
  private Path settled(String key) {
    Path path = resolve(key);
    writeBehind.settle(path);
    return path;
  }

  private static StoreException failure(String what, Exception e) {
    Throwable cause = e instanceof UncheckedIOException unchecked ? unchecked.getCause() : e;
    if (cause instanceof FileSystemException fs && fs.getReason() != null
        && fs.getReason().contains("No space left on device")) {
      return new RepositoryFullException("REPOSITORY_FULL: " + what + ": no space left on device", cause);
    }
    if (cause instanceof IOException io && io.getMessage() != null
        && io.getMessage().contains("No space left on device")) {
      return new RepositoryFullException("REPOSITORY_FULL: " + what + ": no space left on device", cause);
    }
    return new BackendException(what + ": " + cause.getMessage(), cause);
  }

  /**
   * Walks on past a file that vanished between being listed and visited: a concurrent garbage collection
   * or writer renamed or deleted it, which is no error for a listing or a clean-up.
   */
  private abstract static class SkippingVanished extends java.nio.file.SimpleFileVisitor<Path> {
    @Override
    public java.nio.file.FileVisitResult visitFileFailed(Path path, IOException e) throws IOException {
      if (e instanceof NoSuchFileException) {
        return java.nio.file.FileVisitResult.CONTINUE;
      }
      throw e;
    }
  }
}
