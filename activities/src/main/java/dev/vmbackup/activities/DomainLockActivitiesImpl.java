package dev.vmbackup.activities;

import dev.vmbackup.host.repository.Json;
import dev.vmbackup.workflows.FailureType;
import dev.vmbackup.workflows.Validation;
import dev.vmbackup.workflows.activities.DomainLockActivities;
import dev.vmbackup.workflows.model.LockRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Domain locks as files in the worker's state directory, {@code locks/<domain>.lock}, holding the
 * owner's workflow id and run id. Temporal's workflow-id uniqueness already stops a second backup
 * started through vmbackup's own starters; this lock also covers workflows started with other ids
 * (from the Web UI, or by a Schedule) and restores.
 */
public final class DomainLockActivitiesImpl implements DomainLockActivities {
  private static final Logger log = LoggerFactory.getLogger(DomainLockActivitiesImpl.class);

  /** What a lock file holds. */
  record LockOwner(String workflowId, String runId, String acquiredAt) {}

  private final HostSettings settings;
  private final WorkflowStatusLookup workflows;

  public DomainLockActivitiesImpl(HostSettings settings, WorkflowStatusLookup workflows) {
    this.settings = settings;
    this.workflows = workflows;
  }

  @Override
  public void acquireDomainLock(LockRequest request) {
    ActivityBoundary.run("lock " + request.domain(), () -> acquire(request));
  }

  @Override
  public void releaseDomainLock(LockRequest request) {
    ActivityBoundary.run("unlock " + request.domain(), () -> release(request));
  }

  // One worker process serves a host, so serialising here closes the race between two takeovers.
  private synchronized void acquire(LockRequest request) {
    Path file = lockFile(request.domain());
    LockOwner me = new LockOwner(request.workflowId(), request.runId(), Instant.now().toString());
    try {
      Files.createDirectories(file.getParent());
      try {
        Files.write(file, Json.MAPPER.writeValueAsBytes(me), java.nio.file.StandardOpenOption.CREATE_NEW);
        return;
      } catch (FileAlreadyExistsException held) {
        LockOwner owner = read(file);
        if (owner != null && owner.runId().equals(request.runId())) {
          return;
        }
        if (owner != null && workflows.isRunning(owner.workflowId(), owner.runId())) {
          throw new HostFailure(FailureType.BACKUP_ALREADY_RUNNING,
              "domain " + request.domain() + " is busy: workflow " + owner.workflowId() + " (run " + owner.runId()
                  + ") is backing it up or restoring it since " + owner.acquiredAt());
        }
        log.warn("taking over the lock of {} from {}, which is no longer running", request.domain(), owner);
        Path temporary = file.resolveSibling(file.getFileName() + "." + request.runId());
        Files.write(temporary, Json.MAPPER.writeValueAsBytes(me));
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private synchronized void release(LockRequest request) {
    Path file = lockFile(request.domain());
    try {
      LockOwner owner = read(file);
      if (owner != null && owner.runId().equals(request.runId())) {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Path lockFile(String domain) {
    return settings.locksDir().resolve(Validation.domainName("domain", domain) + ".lock");
  }

  /** The owner, or null when the file vanished or is unreadable (a lock half-written by a crash). */
  private static LockOwner read(Path file) throws IOException {
    try {
      return Json.MAPPER.readValue(Files.readAllBytes(file), LockOwner.class);
    } catch (NoSuchFileException e) {
      return null;
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      return null;
    }
  }
}
