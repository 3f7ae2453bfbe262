package dev.vmbackup.host.repository;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.vmbackup.workflows.BackupIds;
import dev.vmbackup.workflows.BackupLayout;
import dev.vmbackup.workflows.Validation;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.PreparedBackup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link BackupRepository} on a local (or mounted) filesystem.
 *
 * <p>Domain names and backup ids become path segments, so both are validated ({@link Validation}) and
 * an {@link IllegalArgumentException} is thrown for anything that could leave the repository. I/O
 * errors that a retry cannot fix become a {@link RepositoryException}; others are thrown as an
 * {@link UncheckedIOException}, for the caller to retry.
 */
public final class FileRepository implements BackupRepository {
  private static final FileAttribute<Set<PosixFilePermission>> PRIVATE =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
  private static final Logger LOG = LoggerFactory.getLogger(FileRepository.class);

  private static final String MANIFEST_TEMP = BackupLayout.temporary(BackupLayout.MANIFEST);
  /** A day of seconds: more backups of one domain than this in one go means something is wrong. */
  private static final int MAX_ID_BUMPS = 86_400;

  private final Path root;

  public FileRepository(Path root) {
    this.root = root;
  }

  @Override
  public Path root() {
    return root;
  }

  @Override
  public Path backupDir(String domain, String backupId) {
    return domainDir(domain).resolve(Validation.backupId(backupId));
  }

  @Override
  public Path partialDir(String domain, String backupId) {
    return domainDir(domain).resolve(Validation.backupId(backupId) + BackupLayout.PARTIAL_SUFFIX);
  }

  private Path domainDir(String domain) {
    return root.resolve(Validation.domainName("domain", domain));
  }

  @Override
  public PreparedBackup prepare(String domain, String proposedBackupId, String owner) {
    if (owner == null || owner.isBlank() || owner.strip().contains("\n")) {
      throw new IllegalArgumentException("owner must be one non-blank line");
    }
    String id = Validation.backupId(proposedBackupId);
    Path domainDir = domainDir(domain);
    try {
      Files.createDirectories(domainDir);
    } catch (IOException e) {
      throw RepositoryFiles.notWritable(domainDir, e);
    }
    for (int bump = 0; bump <= MAX_ID_BUMPS; bump++, id = BackupIds.next(id)) {
      Path partial = partialDir(domain, id);
      if (Files.exists(backupDir(domain, id), LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      try {
        // Backups hold whole disks and memory: only root may read them, whatever the umask.
        Files.createDirectory(partial, PRIVATE);
      } catch (FileAlreadyExistsException e) {
        Optional<String> existingOwner = readOwner(partial);
        // A partial directory without an owner was left by a crash between creating it and writing
        // the owner, most likely by this very owner; nothing was copied into it yet, so taking it
        // over loses nothing.
        if (existingOwner.isPresent() && !existingOwner.get().equals(owner.strip())) {
          continue;
        }
      } catch (IOException e) {
        throw RepositoryFiles.notWritable(partial, e);
      }
      writeOwner(partial, owner.strip());
      return new PreparedBackup(
          id, partial.toAbsolutePath().toString(), backupDir(domain, id).toAbsolutePath().toString());
    }
    throw new IllegalStateException(
        "no free backup id in the " + MAX_ID_BUMPS + " seconds after " + proposedBackupId + " in " + domainDir);
  }

  private Optional<String> readOwner(Path partial) {
    try {
      String owner = Files.readString(partial.resolve(BackupLayout.OWNER_FILE), StandardCharsets.UTF_8).strip();
      return owner.isEmpty() ? Optional.empty() : Optional.of(owner);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw RepositoryFiles.ioFailure("cannot read the owner of " + partial, e);
    }
  }

  /** Written to a temporary file and renamed, so that an owner file is never seen half written. */
  private void writeOwner(Path partial, String owner) {
    Path temp = partial.resolve(BackupLayout.temporary(BackupLayout.OWNER_FILE));
    try {
      Files.writeString(temp, owner + "\n", StandardCharsets.UTF_8);
      Files.move(temp, partial.resolve(BackupLayout.OWNER_FILE), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw RepositoryFiles.notWritable(partial, e);
    }
  }

  @Override
  public void discard(String domain, String backupId, String owner) {
    Path domainDir = domainDir(domain);
    if (backupId != null) {
      RepositoryFiles.deleteRecursively(partialDir(domain, backupId));
      List<String> dependents = list(domain).stream()
          .filter(manifest -> backupId.equals(manifest.parentBackupId())).map(Manifest::backupId).toList();
      if (dependents.isEmpty()) {
        RepositoryFiles.deleteRecursively(backupDir(domain, backupId));
      } else {
        // Never reached while one backup of a domain runs at a time; kept as a last line of defence,
        // since deleting it would make every backup built on it unrestorable.
        LOG.warn("not deleting backup {} of {}: backups {} build on it", backupId, domain, dependents);
      }
    }
    if (owner == null || !Files.isDirectory(domainDir)) {
      return;
    }
    for (Path partial : RepositoryFiles.children(domainDir)) {
      String name = partial.getFileName().toString();
      if (name.endsWith(BackupLayout.PARTIAL_SUFFIX)
          && Files.isDirectory(partial, LinkOption.NOFOLLOW_LINKS)
          && readOwner(partial).filter(owner.strip()::equals).isPresent()) {
        RepositoryFiles.deleteRecursively(partial);
      }
    }
  }

  @Override
  public void publish(String domain, String backupId) {
    Path partial = partialDir(domain, backupId);
    Path published = backupDir(domain, backupId);
    boolean partialExists = Files.exists(partial, LinkOption.NOFOLLOW_LINKS);
    boolean publishedExists = Files.exists(published, LinkOption.NOFOLLOW_LINKS);
    if (!partialExists) {
      if (publishedExists) {
        // A retry after the rename had happened: the backup is in place already.
        return;
      }
      throw new RepositoryException(
          RepositoryException.Kind.NOT_FOUND, "nothing to publish: " + partial + " does not exist");
    }
    if (publishedExists) {
      throw new RepositoryException(RepositoryException.Kind.CORRUPT,
          "cannot publish " + partial + ": " + published + " exists already");
    }
    try {
      Files.deleteIfExists(partial.resolve(BackupLayout.OWNER_FILE));
      RepositoryFiles.syncTree(partial);
      Files.move(partial, published, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw RepositoryFiles.ioFailure("cannot publish " + partial, e);
    }
    // The rename is an entry in the domain directory; it is durable only once that directory is.
    RepositoryFiles.syncDirectory(published.getParent());
  }

  @Override
  public void writeManifest(Path dir, Manifest manifest) {
    Path temp = dir.resolve(MANIFEST_TEMP);
    try {
      byte[] json = Json.MAPPER.writeValueAsBytes(manifest);
      try (FileChannel channel = FileChannel.open(temp,
          StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
        ByteBuffer content = ByteBuffer.allocate(json.length + 1).put(json).put((byte) '\n').flip();
        while (content.hasRemaining()) {
          channel.write(content);
        }
        channel.force(true);
      }
      // The rename replaces an older manifest in one step: a reader sees the old or the new one, whole.
      Files.move(temp, dir.resolve(BackupLayout.MANIFEST), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw RepositoryFiles.ioFailure("cannot write " + dir.resolve(BackupLayout.MANIFEST), e);
    }
    RepositoryFiles.syncDirectory(dir);
  }

  @Override
  public Optional<Manifest> readManifest(String domain, String backupId) {
    return readManifestIn(backupDir(domain, backupId));
  }

  private static Optional<Manifest> readManifestIn(Path dir) {
    Path file = dir.resolve(BackupLayout.MANIFEST);
    byte[] json;
    try {
      json = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw RepositoryFiles.ioFailure("cannot read " + file, e);
    }
    try {
      return Optional.of(Json.MAPPER.readValue(json, Manifest.class));
    } catch (JsonProcessingException e) {
      throw new RepositoryException(
          RepositoryException.Kind.CORRUPT, file + " is not a readable manifest: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw RepositoryFiles.ioFailure("cannot read " + file, e);
    }
  }

  @Override
  public List<Manifest> list(String domain) {
    Path domainDir = domainDir(domain);
    if (!Files.isDirectory(domainDir)) {
      return List.of();
    }
    List<Manifest> manifests = new ArrayList<>();
    // Backup ids are timestamps that sort as text, and children() sorts by name: oldest first.
    for (Path dir : RepositoryFiles.children(domainDir)) {
      if (!BackupIds.isValid(dir.getFileName().toString()) || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      try {
        readManifestIn(dir).ifPresent(manifests::add);
      } catch (RepositoryException e) {
        if (e.kind() != RepositoryException.Kind.CORRUPT) {
          throw e;
        }
        LOG.warn("skipping {}: {}", dir, e.getMessage());
      }
    }
    return manifests;
  }

  @Override
  public void delete(String domain, String backupId) {
    Path published = backupDir(domain, backupId);
    Path deleting = published.resolveSibling(published.getFileName() + BackupLayout.DELETING_SUFFIX);
    try {
      if (Files.exists(published, LinkOption.NOFOLLOW_LINKS)) {
        Files.move(published, deleting, StandardCopyOption.ATOMIC_MOVE);
        RepositoryFiles.syncDirectory(published.getParent());
      }
    } catch (IOException e) {
      throw RepositoryFiles.ioFailure("cannot delete " + published, e);
    }
    RepositoryFiles.deleteRecursively(deleting);
  }

  @Override
  public boolean isProtected(String domain, String backupId) {
    return Files.exists(backupDir(domain, backupId).resolve(BackupLayout.PROTECTED));
  }

  @Override
  public void setProtected(String domain, String backupId, boolean protect) {
    Path dir = backupDir(domain, backupId);
    if (!Files.exists(dir.resolve(BackupLayout.MANIFEST))) {
      throw new RepositoryException(RepositoryException.Kind.NOT_FOUND, "no backup " + backupId + " of " + domain);
    }
    try {
      if (protect) {
        if (!Files.exists(dir.resolve(BackupLayout.PROTECTED))) {
          Files.createFile(dir.resolve(BackupLayout.PROTECTED));
        }
      } else {
        Files.deleteIfExists(dir.resolve(BackupLayout.PROTECTED));
      }
    } catch (IOException e) {
      throw RepositoryFiles.ioFailure("cannot change the protection of " + dir, e);
    }
  }

  @Override
  public List<String> domains() {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    List<String> domains = new ArrayList<>();
    for (Path dir : RepositoryFiles.children(root)) {
      String name = dir.getFileName().toString();
      // Hidden entries and names that are not valid domain names (list() would reject them) are skipped.
      if (!name.startsWith(".") && isDomainName(name) && Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        domains.add(name);
      }
    }
    return domains;
  }

  private static boolean isDomainName(String name) {
    try {
      Validation.domainName("domain", name);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
