package dev.vmbackup.workflows;

import dev.vmbackup.workflows.activities.ChainActivities;
import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.ChainRecord;
import dev.vmbackup.workflows.model.DiskInfo;
import dev.vmbackup.workflows.model.DomainInfo;
import dev.vmbackup.workflows.model.IncrementalDisk;
import dev.vmbackup.workflows.model.PreparedBackup;
import dev.vmbackup.workflows.model.PublishHeader;
import dev.vmbackup.workflows.model.PublishIncrementalRequest;
import dev.vmbackup.workflows.model.RepositoryCopyRequest;
import java.util.List;
import java.util.function.Consumer;

/**
 * What a backup strategy works with once the common steps (lock, inspect, prepare) are done.
 *
 * @param warnings collected for the manifest and the result; a strategy adds its own
 * @param repairs what was repaired on the VM's chains before inspection (see
 *     {@link ChainActivities#pullDeletedLayers}); a chain run then starts a new chain
 * @param startedAt workflow time at the start, for the manifest
 * @param step tells the workflow's status query which step runs now
 * @param afterFreeze a strategy calls it right after the disks are frozen (runs the post-snapshot hook
 *     once; the workflow calls it after the strategy if the strategy did not)
 */
record BackupContext(
    BackupRequest request,
    HostSteps steps,
    DomainInfo domain,
    PreparedBackup prepared,
    Compensations compensations,
    List<String> warnings,
    List<String> repairs,
    long startedAt,
    Consumer<String> step,
    Runnable afterFreeze) {

  /**
   * The copy step's request (strategies full and chain): what every backup's manifest says about it,
   * from this context, and what the strategy copies.
   */
  RepositoryCopyRequest repositoryCopyRequest(CaptureMode requested, CaptureMode captured, List<DiskInfo> disks,
      String memoryFile, boolean offline, String parentBackupId, ChainRecord chain, Long stoppedMillis) {
    return new RepositoryCopyRequest(header(requested, captured, parentBackupId), disks, memoryFile, offline, chain,
        stoppedMillis);
  }

  /** The publish step's request (incremental strategies): as {@link #repositoryCopyRequest}, for a backup job's images. */
  PublishIncrementalRequest publishRequest(CaptureMode captured, List<IncrementalDisk> disks, String parentBackupId,
      String checkpoint, long bytesTransferred) {
    return new PublishIncrementalRequest(header(request.capture(), captured, parentBackupId), disks, checkpoint,
        bytesTransferred);
  }

  private PublishHeader header(CaptureMode requested, CaptureMode captured, String parentBackupId) {
    return new PublishHeader(domain.repository(), domain.name(), prepared.backupId(), prepared.partialDir(),
        prepared.finalDir(), steps.host, domain.uuid(), request.strategy(), requested, captured, warnings,
        domain.nvram(), startedAt, parentBackupId);
  }
}
