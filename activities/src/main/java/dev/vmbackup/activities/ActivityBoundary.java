package dev.vmbackup.activities;

import dev.vmbackup.host.hypervisor.HypervisorException;
import dev.vmbackup.host.process.CommandFailedException;
import dev.vmbackup.host.repository.RepositoryException;
import dev.vmbackup.workflows.FailureType;
import io.temporal.client.ActivityCompletionException;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where errors are classified, once, for every activity: a failure that retrying cannot fix becomes a
 * non-retryable {@link ApplicationFailure} typed with a {@link FailureType}; everything else is
 * rethrown and retried by the activity's retry policy. It is also where every activity is kept alive
 * by heartbeats while it runs (see {@link Heartbeats#keepingAlive}), so that no step, however short,
 * leaves a dead or frozen worker unnoticed for longer than its heartbeat timeout.
 */
public final class ActivityBoundary {
  private static final Logger log = LoggerFactory.getLogger(ActivityBoundary.class);

  private ActivityBoundary() {}

  public static <T> T run(String action, Supplier<T> body) {
    try {
      return Heartbeats.keepingAlive(body);
    } catch (ActivityCompletionException | ApplicationFailure e) {
      // Cancellation and already classified failures pass through untouched.
      throw e;
    } catch (HostFailure e) {
      throw nonRetryable(e.type(), e.getMessage(), e);
    } catch (HypervisorException e) {
      Optional<FailureType> type = switch (e.kind()) {
        case NO_DOMAIN -> Optional.of(FailureType.DOMAIN_NOT_FOUND);
        case REFUSED -> Optional.of(FailureType.HYPERVISOR_REFUSED);
        default -> Optional.empty();
      };
      if (type.isPresent()) {
        throw nonRetryable(type.get(), e.getMessage(), e);
      }
      if (String.valueOf(e.getMessage()).contains("No space left on device")) {
        // libvirt writing a memory state into the repository (a snapshot with memory, a save) ran out of
        // space: a retry cannot help, and the compensation deletes what was written.
        throw nonRetryable(FailureType.REPOSITORY_FULL, e.getMessage(), e);
      }
      log.warn("{}: {} (will retry)", action, e.getMessage());
      throw e;
    } catch (RepositoryException e) {
      throw nonRetryable(repositoryFailure(e.kind()), e.getMessage(), e);
    } catch (UncheckedIOException e) {
      IOException cause = e.getCause();
      Optional<RepositoryException> classified = RepositoryException.classify(action, cause);
      if (classified.isPresent()) {
        throw nonRetryable(repositoryFailure(classified.get().kind()), classified.get().getMessage(), e);
      }
      log.warn("{}: {} (will retry)", action, cause.getMessage());
      throw e;
    } catch (IllegalArgumentException e) {
      throw nonRetryable(FailureType.INVALID_INPUT, e.getMessage(), e);
    } catch (dev.vmbackup.store.BackendException e) {
      // The store's disk or object service failed after the backend's own retries: the step's retry
      // policy tries again, and the chunks stored so far are not written twice.
      log.warn("{}: {} (will retry)", action, e.getMessage());
      throw e;
    } catch (dev.vmbackup.store.RepositoryFullException e) {
      throw nonRetryable(FailureType.REPOSITORY_FULL, e.getMessage(), e);
    } catch (dev.vmbackup.store.CorruptChunkException e) {
      throw nonRetryable(FailureType.VERIFICATION_FAILED, e.getMessage(), e);
    } catch (dev.vmbackup.store.MissingObjectException e) {
      // A chunk found stored that a collection removed before the commit: the retry stores it anew.
      log.warn("{}: {} (will retry)", action, e.getMessage());
      throw e;
    } catch (dev.vmbackup.store.StoreException e) {
      // A wrong or missing key, a store not created yet, a format this version does not know: the host's
      // configuration must change first.
      throw nonRetryable(FailureType.REPOSITORY_NOT_WRITABLE, e.getMessage(), e);
    } catch (CommandFailedException e) {
      log.warn("{}: {} (will retry)", action, e.getMessage());
      throw e;
    }
  }

  public static void run(String action, Runnable body) {
    run(action, () -> {
      body.run();
      return null;
    });
  }

  private static FailureType repositoryFailure(RepositoryException.Kind kind) {
    return switch (kind) {
      case FULL -> FailureType.REPOSITORY_FULL;
      case NOT_WRITABLE -> FailureType.REPOSITORY_NOT_WRITABLE;
      case NOT_FOUND -> FailureType.BACKUP_NOT_FOUND;
      case CORRUPT -> FailureType.VERIFICATION_FAILED;
    };
  }

  private static ApplicationFailure nonRetryable(FailureType type, String message, Throwable cause) {
    return ApplicationFailure.newNonRetryableFailureWithCause(message, type.name(), cause);
  }
}
