package dev.vmbackup.workflows.activities;

import dev.vmbackup.workflows.model.DefineDomainRequest;
import dev.vmbackup.workflows.model.DomainRef;
import dev.vmbackup.workflows.model.MemoryRestoreRequest;
import dev.vmbackup.workflows.model.RestoreCopyRequest;
import dev.vmbackup.workflows.model.RestoreTargetsCheck;
import dev.vmbackup.workflows.model.SetAsideRequest;
import io.temporal.activity.ActivityInterface;
import java.util.List;

@ActivityInterface
public interface RestoreActivities {
  /** Fails {@code TARGET_EXISTS} if the new domain name is taken or a destination exists (unless overwrite). */
  void checkRestoreTargets(RestoreTargetsCheck check);

  /**
   * Renames each existing file to its name plus the suffix. Returns the new paths. Idempotent: a
   * file already moved is not moved again.
   */
  List<String> setAsideFiles(SetAsideRequest request);

  /** Compensation: moves files set aside back to their names, replacing whatever the restore wrote there. */
  void returnSetAsideFiles(SetAsideRequest request);

  /**
   * Copies a backup's images to their destinations, checking each checksum while copying, and
   * rewrites each layer's backing reference to the copied layer below it. Heartbeats and resumes.
   */
  void copyFromRepository(RestoreCopyRequest request);

  /** Compensation: deletes restored files (never files that were set aside). */
  void deleteRestoredFiles(List<String> files);

  /** Defines a new domain from the backup's XML: new name, UUID and MACs, disk paths rewritten. */
  void defineRestoredDomain(DefineDomainRequest request);

  /** Compensation: undefines (and stops) the domain, only if it has the given UUID. */
  void undefineDomain(DomainRef domain);

  /** Starts the domain if it is shut off. */
  void startDomain(DomainRef domain);

  /** Stops the domain (hard, like pulling the plug) if it runs. */
  void stopDomain(DomainRef domain);

  /** Resumes a shut-off domain from the memory state in the backup. */
  void restoreMemoryState(MemoryRestoreRequest request);
}
