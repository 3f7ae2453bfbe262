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
 * The directory is forced after the link so that a stored object survives a power loss.
 */
public final class LocalBackend implements Backend {
  private static final String TEMP_PREFIX = ".tmp-";
  private static final int FLUSH_THREADS = 16;
  private final Path root;
  private final java.util.Set<Path> knownDirectories = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final java.util.concurrent.ConcurrentLinkedQueue<Path> unflushed = new java.util.concurrent.ConcurrentLinkedQueue<>();

  public LocalBackend(Path root) {
    this.root = root.toAbsolutePath();
    try {
      Files.createDirectories(this.root);
    } catch (IOException e) {
      throw failure("cannot create the store directory " + this.root, e);
    }
  }

  /** The directory this backend stores into. */
  public Path root() {
    return root;
  }

  @Override
  public boolean putIfAbsent(String key, byte[] data) {
    Path target = resolve(key);
    if (Files.exists(target)) {
      return false;
    }
    Path dir = target.getParent();
    Path temp = dir.resolve(TEMP_PREFIX + UUID.randomUUID());
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
      }
      if (key.startsWith("chunks/")) {
        // A chunk's content is fixed by its name, so replacing a copy that a concurrent writer linked
        // meanwhile changes nothing; a rename saves the link's extra unlink on the hot path.
        Files.move(temp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        unflushed.add(target);
        return true;
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
      unflushed.add(target);
      return true;
    } catch (IOException e) {
      throw failure("cannot store " + key + " in " + root, e);
    } finally {
      try {
        Files.deleteIfExists(temp);
      } catch (IOException ignored) {
        // A leftover temporary file is never listed and the garbage collector removes it.
      }
    }
  }

  @Override
  public Optional<byte[]> get(String key) {
    try {
      return Optional.of(Files.readAllBytes(resolve(key)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw failure("cannot read " + key + " from " + root, e);
    }
  }

  @Override
  public Optional<ObjectInfo> stat(String key) {
    try {
      BasicFileAttributes attributes = Files.readAttributes(resolve(key), BasicFileAttributes.class);
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
      Files.setLastModifiedTime(resolve(key), FileTime.from(Instant.now()));
    } catch (NoSuchFileException e) {
      throw new MissingObjectException(key);
    } catch (IOException e) {
      throw failure("cannot touch " + key + " in " + root, e);
    }
  }

  /** Sets an object's time; tests use it to age objects past a grace period. */
  void setLastModified(String key, Instant time) throws IOException {
    Files.setLastModifiedTime(resolve(key), FileTime.from(time));
  }

  @Override
  public List<ObjectInfo> list(String prefix) {
    // The walk starts at the deepest directory the prefix names, so that listing one backup's indexes
    // does not walk every chunk.
    int slash = prefix.lastIndexOf('/');
    Path start = slash < 0 ? root : resolve(prefix.substring(0, slash));
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
      Files.deleteIfExists(resolve(key));
    } catch (IOException e) {
      throw failure("cannot delete " + key + " from " + root, e);
    }
  }

  @Override
  public void flush() {
    List<Path> files = new ArrayList<>();
    for (Path path = unflushed.poll(); path != null; path = unflushed.poll()) {
      files.add(path);
    }
    // Forcing files one after another costs one journal commit each; forcing them from several threads
    // lets the filesystem commit them in groups, about ten times faster for a disk's worth of chunks.
    java.util.concurrent.ForkJoinPool forcers = new java.util.concurrent.ForkJoinPool(FLUSH_THREADS);
    try {
      forcers.submit(() -> files.parallelStream().forEach(LocalBackend::force)).get();
      List<Path> dirs = files.stream().map(Path::getParent).distinct().toList();
      forcers.submit(() -> dirs.parallelStream().forEach(LocalBackend::force)).get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw failure("cannot force objects to disk in " + root, (Exception) e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BackendException("interrupted while forcing objects to disk in " + root, e);
    } finally {
      forcers.shutdown();
    }
  }

  private static void force(Path path) {
    try (FileChannel channel = FileChannel.open(path, Files.isDirectory(path) ? StandardOpenOption.READ
        : StandardOpenOption.WRITE)) {
      channel.force(true);
    } catch (NoSuchFileException deleted) {
      // Removed since (an aborted backup's chunk swept by a collection): nothing to keep.
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
  public void close() {}

  private Path resolve(String key) {
    if (key.isEmpty() || key.startsWith("/") || key.contains("..")) {
      throw new IllegalArgumentException("not a store key: " + key);
    }
    return root.resolve(key);
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
