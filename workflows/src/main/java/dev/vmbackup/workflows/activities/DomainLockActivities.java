package dev.vmbackup.workflows.activities;

import dev.vmbackup.workflows.model.LockRequest;
import io.temporal.activity.ActivityInterface;

/** At most one backup or restore per domain at a time, enforced on the domain's host. */
@ActivityInterface
public interface DomainLockActivities {
  /**
   * Takes the domain's lock for the given workflow run. Idempotent for the same owner. A lock whose
   * owner workflow has closed is stale and taken over. Fails {@code BACKUP_ALREADY_RUNNING}, naming
   * the owner, while another running workflow holds it.
   */
  void acquireDomainLock(LockRequest request);

  /** Releases the lock if this owner holds it; does nothing otherwise. */
  void releaseDomainLock(LockRequest request);
}
