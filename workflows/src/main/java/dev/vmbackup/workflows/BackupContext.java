package dev.vmbackup.workflows;

import dev.vmbackup.workflows.activities.ChainActivities;
import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.DomainInfo;
import dev.vmbackup.workflows.model.PreparedBackup;
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
    Runnable afterFreeze) {}
