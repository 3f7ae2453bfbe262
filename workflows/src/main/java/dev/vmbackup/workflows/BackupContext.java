package dev.vmbackup.workflows;

import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.DomainInfo;
import dev.vmbackup.workflows.model.PreparedBackup;
import java.util.List;
import java.util.function.Consumer;

/**
 * What a backup strategy works with once the common steps (lock, inspect, prepare) are done.
 *
 * @param warnings collected for the manifest and the result; a strategy adds its own
 * @param startedAt workflow time at the start, for the manifest
 * @param step tells the workflow's status query which step runs now
 */
record BackupContext(
    BackupRequest request,
    HostSteps steps,
    DomainInfo domain,
    PreparedBackup prepared,
    Compensations compensations,
    List<String> warnings,
    long startedAt,
    Consumer<String> step) {}
