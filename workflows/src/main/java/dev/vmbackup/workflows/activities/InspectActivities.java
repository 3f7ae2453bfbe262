package dev.vmbackup.workflows.activities;

import dev.vmbackup.workflows.model.DomainInfo;
import dev.vmbackup.workflows.model.InspectRequest;
import io.temporal.activity.ActivityInterface;

@ActivityInterface
public interface InspectActivities {
  /**
   * Looks the domain up and describes its disks, state and guest agent; changes nothing. Fails
   * {@code DOMAIN_NOT_FOUND}, {@code UNSUPPORTED_DISK}, or {@code REPOSITORY_NOT_WRITABLE} when the
   * repository cannot be written.
   */
  DomainInfo inspectDomain(InspectRequest request);

  /**
   * The repository to use: the requested directory, or the host's default when null. Creates it if
   * missing; fails {@code REPOSITORY_NOT_WRITABLE} when it cannot be written.
   */
  String resolveRepository(String requested);

  /**
   * The name of the store the requested repository (a name, or the host's default when null) is, or null
   * when it is a repository of kind files: a restore from a store first unpacks the backup into the
   * directory {@link #resolveRepository} gives.
   */
  String resolveStore(String requested);
}
