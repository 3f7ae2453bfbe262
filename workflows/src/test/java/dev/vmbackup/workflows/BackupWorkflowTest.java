package dev.vmbackup.workflows;

import static dev.vmbackup.workflows.Fixtures.SKIPPED;
import static dev.vmbackup.workflows.Fixtures.UUID_VM1;
import static dev.vmbackup.workflows.Fixtures.VDA;
import static dev.vmbackup.workflows.Fixtures.VDB;
import static dev.vmbackup.workflows.Fixtures.domain;
import static dev.vmbackup.workflows.WorkflowHarness.failureType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.BackupStatus;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.DiscardBackupRequest;
import dev.vmbackup.workflows.model.DomainState;
import dev.vmbackup.workflows.model.LockRequest;
import dev.vmbackup.workflows.model.MergeRequest;
import dev.vmbackup.workflows.model.DiskOverlay;
import dev.vmbackup.workflows.model.PrepareBackupRequest;
import dev.vmbackup.workflows.model.RepositoryCopyRequest;
import dev.vmbackup.workflows.model.SnapshotRequest;
import dev.vmbackup.workflows.model.SnapshotResult;
import dev.vmbackup.workflows.model.Strategy;
import dev.vmbackup.workflows.model.VerifyRequest;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.CanceledFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The decisions of {@link BackupWorkflowImpl}: which host actions it asks for, in which order, with
 * which arguments, and what it undoes when a step fails or the backup is cancelled. The host is a
 * {@link FakeHost}; nothing here touches libvirt or a disk.
 */
class BackupWorkflowTest {
  private static final String WARNING_SNAPSHOT = "guest agent did not freeze the filesystems: crash-consistent";
  private static final String WARNING_SHUT_OFF =
      "domain was shut off: its disks were copied as they are, without a snapshot";

  private WorkflowHarness harness;
  private FakeHost host;
  private Journal journal;

  @BeforeEach
  void startService() {
    harness = new WorkflowHarness();
    host = harness.host;
    journal = harness.journal();
  }

  @AfterEach
  void stopService() {
    harness.close();
  }

  @Test
  void runningDomainIsLockedSnapshottedCopiedMergedVerifiedAndReleased() {
    host.domain = domain(DomainState.RUNNING);
    // The snapshot achieved less than requested: the result must report what was achieved.
    host.snapshotResult = new SnapshotResult(CaptureMode.CRASH, List.of(WARNING_SNAPSHOT), 12);
    BackupWorkflow workflow = harness.newBackup();

    // No host in the request: the workflow asks its worker's local activity for the default one.
    BackupResult result = workflow.backup(BackupRequest.of("vm1"));

    assertThat(journal.entries()).containsExactly(
        "acquireDomainLock(vm1)",
        "inspectDomain(vm1)",
        "prepareBackupDirectory(vm1)",
        "createExternalSnapshot(vm1)",
        "copyToRepository(vm1)",
        "blockCommit(vda)",
        "blockCommit(vdb)",
        "verifyBackup(record=true)",
        "releaseDomainLock(vm1)");
    assertThat(host.defaultHostCalls).hasValue(1);

    WorkflowExecution execution = WorkflowStub.fromTyped(workflow).getExecution();
    PrepareBackupRequest prepare = journal.onlyArgument("prepareBackupDirectory", PrepareBackupRequest.class);
    assertThat(BackupIds.isValid(prepare.proposedBackupId())).isTrue();
    assertThat(prepare.owner()).isEqualTo(execution.getRunId());
    assertThat(prepare.repository()).isEqualTo(FakeHost.DEFAULT_REPOSITORY);
    assertThat(prepare.domainXmlInactive()).isTrue();
    // The fake prepares the id one second after the proposed one; the workflow must use the prepared id.
    String backupId = BackupIds.next(prepare.proposedBackupId());
    String finalDir = FakeHost.DEFAULT_REPOSITORY + "/vm1/" + backupId;
    String partialDir = finalDir + ".partial";

    LockRequest lock = new LockRequest("vm1", execution.getWorkflowId(), execution.getRunId());
    assertThat(journal.arguments("acquireDomainLock", LockRequest.class)).containsExactly(lock);
    assertThat(journal.arguments("releaseDomainLock", LockRequest.class)).containsExactly(lock);

    SnapshotRequest plan = journal.onlyArgument("createExternalSnapshot", SnapshotRequest.class);
    String vdaOverlay = VDA + ".vmbackup-" + backupId + ".qcow2";
    String vdbOverlay = VDB + ".vmbackup-" + backupId + ".qcow2";
    assertThat(plan.overlays()).containsExactly(
        new DiskOverlay("vda", VDA, "qcow2", vdaOverlay), new DiskOverlay("vdb", VDB, "raw", vdbOverlay));
    assertThat(plan.domain()).isEqualTo("vm1");
    assertThat(plan.backupId()).isEqualTo(backupId);
    assertThat(plan.capture()).isEqualTo(CaptureMode.QUIESCE);
    assertThat(plan.agentAvailable()).isTrue();
    assertThat(plan.partialDir()).isEqualTo(partialDir);
    assertThat(plan.memoryFile()).as("no memory file unless memory is captured").isNull();
    assertThat(plan.stateBefore()).isEqualTo(DomainState.RUNNING);

    RepositoryCopyRequest copy = journal.onlyArgument("copyToRepository", RepositoryCopyRequest.class);
    assertThat(copy.header().backupId()).isEqualTo(backupId);
    assertThat(copy.header().partialDir()).isEqualTo(partialDir);
    assertThat(copy.header().finalDir()).isEqualTo(finalDir);
    assertThat(copy.header().host()).isEqualTo("h1");
    assertThat(copy.header().uuid()).isEqualTo(UUID_VM1);
    assertThat(copy.header().captureRequested()).isEqualTo(CaptureMode.QUIESCE);
    assertThat(copy.header().capture()).isEqualTo(CaptureMode.CRASH);
    assertThat(copy.header().warnings()).containsExactly("not backed up: " + SKIPPED, WARNING_SNAPSHOT);
    assertThat(copy.disks()).isEqualTo(host.domain.disks());
    assertThat(copy.memoryFile()).isNull();
    assertThat(copy.offline()).isFalse();

    assertThat(journal.arguments("blockCommit", MergeRequest.class)).containsExactly(
        new MergeRequest("vm1", "vda", vdaOverlay, VDA, "qcow2"),
        new MergeRequest("vm1", "vdb", vdbOverlay, VDB, "raw"));
    assertThat(journal.onlyArgument("verifyBackup", VerifyRequest.class))
        .isEqualTo(new VerifyRequest(FakeHost.DEFAULT_REPOSITORY, "vm1", backupId, true));

    assertThat(result.domain()).isEqualTo("vm1");
    assertThat(result.host()).isEqualTo("h1");
    assertThat(result.backupId()).isEqualTo(backupId);
    assertThat(result.path()).isEqualTo(finalDir);
    assertThat(result.strategy()).isEqualTo(Strategy.FULL);
    assertThat(result.capture()).isEqualTo(CaptureMode.CRASH);
    assertThat(result.warnings()).containsExactly("not backed up: " + SKIPPED, WARNING_SNAPSHOT);
    assertThat(result.bytesCopied()).isEqualTo(8192);
    assertThat(result.disks()).hasSize(2);
    assertThat(result.verified()).isTrue();
  }

  @Test
  void memoryCaptureOfPausedDomainPlansMemoryFileInsidePartialDirectory() {
    host.domain = domain(DomainState.PAUSED);

    BackupResult result = harness.newBackup().backup(new BackupRequest("vm1", "h1", CaptureMode.MEMORY, null, null));

    SnapshotRequest plan = journal.onlyArgument("createExternalSnapshot", SnapshotRequest.class);
    assertThat(plan.capture()).isEqualTo(CaptureMode.MEMORY);
    assertThat(plan.memoryFile()).isEqualTo(plan.partialDir() + "/memory.save");
    assertThat(plan.stateBefore()).isEqualTo(DomainState.PAUSED);
    assertThat(journal.onlyArgument("copyToRepository", RepositoryCopyRequest.class).memoryFile())
        .isEqualTo(plan.memoryFile());
    assertThat(result.capture()).isEqualTo(CaptureMode.MEMORY);
    // An explicit host needs no lookup of the default.
    assertThat(host.defaultHostCalls).hasValue(0);
  }

  @Test
  void shutOffDomainIsCopiedWithoutSnapshotOrMergeAndRecordedAsCrashConsistent() {
    host.domain = domain(DomainState.SHUTOFF);

    BackupResult result = harness.newBackup().backup(BackupRequest.of("vm1").withHost("h1"));

    assertThat(journal.methods()).containsExactly(
        "acquireDomainLock",
        "inspectDomain",
        "prepareBackupDirectory",
        "copyToRepository",
        "verifyBackup",
        "releaseDomainLock");
    RepositoryCopyRequest copy = journal.onlyArgument("copyToRepository", RepositoryCopyRequest.class);
    assertThat(copy.offline()).isTrue();
    assertThat(copy.memoryFile()).isNull();
    assertThat(copy.header().captureRequested()).isEqualTo(CaptureMode.QUIESCE);
    assertThat(copy.header().capture()).isEqualTo(CaptureMode.CRASH);
    assertThat(copy.header().warnings()).containsExactly("not backed up: " + SKIPPED, WARNING_SHUT_OFF);
    assertThat(result.capture()).isEqualTo(CaptureMode.CRASH);
    assertThat(result.warnings()).containsExactly("not backed up: " + SKIPPED, WARNING_SHUT_OFF);
    assertThat(result.verified()).isTrue();
  }

  @Test
  void shutOffDomainBackedUpAsRequestedCrashNeedsNoWarning() {
    host.domain = domain(DomainState.SHUTOFF);

    BackupResult result = harness.newBackup().backup(new BackupRequest("vm1", "h1", CaptureMode.CRASH, null, null));

    assertThat(result.capture()).isEqualTo(CaptureMode.CRASH);
    assertThat(result.warnings()).containsExactly("not backed up: " + SKIPPED);
  }

  /** A forward step that fails, the state the domain is in, and what must be undone, newest first. */
  record FailureCase(
      String name, DomainState state, Consumer<FakeHost> script, FailureType expected, List<String> journal) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<FailureCase> forwardFailures() {
    List<String> throughCopy = List.of(
        "acquireDomainLock", "inspectDomain", "prepareBackupDirectory", "createExternalSnapshot", "copyToRepository");
    List<String> undoAll = List.of("revertExternalSnapshot", "discardBackup", "releaseDomainLock");
    return Stream.of(
        new FailureCase(
            "lock held by another backup", DomainState.RUNNING,
            fake -> fake.failNonRetryable("acquireDomainLock", FailureType.BACKUP_ALREADY_RUNNING),
            FailureType.BACKUP_ALREADY_RUNNING,
            List.of("acquireDomainLock", "releaseDomainLock")),
        new FailureCase(
            "inspect finds no domain", DomainState.RUNNING,
            fake -> fake.failNonRetryable("inspectDomain", FailureType.DOMAIN_NOT_FOUND),
            FailureType.DOMAIN_NOT_FOUND,
            List.of("acquireDomainLock", "inspectDomain", "releaseDomainLock")),
        new FailureCase(
            "domain neither running, paused nor shut off", DomainState.OTHER,
            fake -> {},
            FailureType.DOMAIN_STATE,
            List.of("acquireDomainLock", "inspectDomain", "releaseDomainLock")),
        new FailureCase(
            "prepare cannot write the repository", DomainState.RUNNING,
            fake -> fake.failNonRetryable("prepareBackupDirectory", FailureType.REPOSITORY_NOT_WRITABLE),
            FailureType.REPOSITORY_NOT_WRITABLE,
            List.of("acquireDomainLock", "inspectDomain", "prepareBackupDirectory", "discardBackup",
                "releaseDomainLock")),
        new FailureCase(
            "snapshot refused", DomainState.RUNNING,
            fake -> fake.failNonRetryable("createExternalSnapshot", FailureType.HYPERVISOR_REFUSED),
            FailureType.HYPERVISOR_REFUSED,
            concat(throughCopy.subList(0, 4), undoAll)),
        new FailureCase(
            "copy fills the repository", DomainState.RUNNING,
            fake -> fake.failNonRetryable("copyToRepository", FailureType.REPOSITORY_FULL),
            FailureType.REPOSITORY_FULL,
            concat(throughCopy, undoAll)),
        new FailureCase(
            "merge finds the chain changed", DomainState.RUNNING,
            // blockCommit retries without limit, so only a non-retryable failure ends it.
            fake -> fake.failNonRetryable("blockCommit", FailureType.DISK_CHAIN_CHANGED),
            FailureType.DISK_CHAIN_CHANGED,
            concat(throughCopy, List.of("blockCommit"), undoAll)),
        new FailureCase(
            "verify activity fails", DomainState.RUNNING,
            fake -> fake.failNonRetryable("verifyBackup", FailureType.BACKUP_NOT_FOUND),
            FailureType.BACKUP_NOT_FOUND,
            concat(throughCopy, List.of("blockCommit", "blockCommit", "verifyBackup"), undoAll)),
        new FailureCase(
            "verify finds a checksum mismatch", DomainState.RUNNING,
            fake -> fake.verifyOk = false,
            FailureType.VERIFICATION_FAILED,
            concat(throughCopy, List.of("blockCommit", "blockCommit", "verifyBackup"), undoAll)),
        new FailureCase(
            "copy of a shut-off domain fails", DomainState.SHUTOFF,
            fake -> fake.failNonRetryable("copyToRepository", FailureType.REPOSITORY_FULL),
            FailureType.REPOSITORY_FULL,
            List.of("acquireDomainLock", "inspectDomain", "prepareBackupDirectory", "copyToRepository",
                "discardBackup", "releaseDomainLock")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("forwardFailures")
  void failedStepFailsBackupAndUndoesReachedStepsNewestFirst(FailureCase failure) {
    host.domain = domain(failure.state());
    failure.script().accept(host);
    BackupWorkflow workflow = harness.newBackup();

    WorkflowFailedException failed = backupFails(workflow, BackupRequest.of("vm1").withHost("h1"));

    assertThat(failureType(failed)).isEqualTo(failure.expected().name());
    assertThat(journal.methods()).containsExactlyElementsOf(failure.journal());
    assertThat(workflow.status().step()).isEqualTo("failed");
  }

  @Test
  void discardGetsNoBackupIdWhenPrepareFailed() {
    host.domain = domain(DomainState.RUNNING);
    host.failNonRetryable("prepareBackupDirectory", FailureType.REPOSITORY_NOT_WRITABLE);
    BackupWorkflow workflow = harness.newBackup();

    backupFails(workflow, BackupRequest.of("vm1").withHost("h1"));

    // The owner lets the activity find the partial directory this run may have created anyway.
    String runId = WorkflowStub.fromTyped(workflow).getExecution().getRunId();
    assertThat(journal.onlyArgument("discardBackup", DiscardBackupRequest.class))
        .isEqualTo(new DiscardBackupRequest(FakeHost.DEFAULT_REPOSITORY, "vm1", null, runId));
  }

  @Test
  void discardGetsPreparedBackupIdOnceKnown() {
    host.domain = domain(DomainState.RUNNING);
    host.failNonRetryable("copyToRepository", FailureType.REPOSITORY_FULL);
    BackupWorkflow workflow = harness.newBackup();

    backupFails(workflow, BackupRequest.of("vm1").withHost("h1"));

    String runId = WorkflowStub.fromTyped(workflow).getExecution().getRunId();
    PrepareBackupRequest prepare = journal.onlyArgument("prepareBackupDirectory", PrepareBackupRequest.class);
    assertThat(journal.onlyArgument("discardBackup", DiscardBackupRequest.class))
        .isEqualTo(new DiscardBackupRequest(
            FakeHost.DEFAULT_REPOSITORY, "vm1", BackupIds.next(prepare.proposedBackupId()), runId));
  }

  @Test
  void cancellationDuringCopyStillRunsCompensationsAndEndsCancelled() throws InterruptedException {
    host.domain = domain(DomainState.RUNNING);
    FakeHost.Gate copy = host.block("copyToRepository");
    BackupWorkflow workflow = harness.newBackup();
    WorkflowClient.start(workflow::backup, BackupRequest.of("vm1").withHost("h1"));
    WorkflowStub stub = WorkflowStub.fromTyped(workflow);

    copy.awaitEntered();
    stub.cancel();
    Throwable thrown = catchThrowable(() -> stub.getResult(BackupResult.class));

    assertThat(thrown).isInstanceOf(WorkflowFailedException.class).hasCauseInstanceOf(CanceledFailure.class);
    assertThat(journal.methods()).containsExactly(
        "acquireDomainLock",
        "inspectDomain",
        "prepareBackupDirectory",
        "createExternalSnapshot",
        "copyToRepository",
        "revertExternalSnapshot",
        "discardBackup",
        "releaseDomainLock");
  }

  @Test
  void cancellationDuringMergeLetsTheMergeFinishBeforeCompensating() throws InterruptedException {
    host.domain = domain(DomainState.RUNNING);
    FakeHost.Gate merge = host.block("blockCommit");
    BackupWorkflow workflow = harness.newBackup();
    WorkflowClient.start(workflow::backup, BackupRequest.of("vm1").withHost("h1"));
    WorkflowStub stub = WorkflowStub.fromTyped(workflow);

    merge.awaitEntered();
    // cancel() returns once the request is in the history, so it precedes the merge's completion.
    stub.cancel();
    merge.open();
    Throwable thrown = catchThrowable(() -> stub.getResult(BackupResult.class));

    assertThat(thrown).isInstanceOf(WorkflowFailedException.class).hasCauseInstanceOf(CanceledFailure.class);
    assertThat(journal.methods()).containsExactly(
        "acquireDomainLock",
        "inspectDomain",
        "prepareBackupDirectory",
        "createExternalSnapshot",
        "copyToRepository",
        "blockCommit",
        "blockCommit",
        "revertExternalSnapshot",
        "discardBackup",
        "releaseDomainLock");
  }

  static Stream<Arguments> invalidRequests() {
    return Stream.of(
        Arguments.of("parent directory as domain", BackupRequest.of("../etc")),
        Arguments.of("path as domain", BackupRequest.of("a/b")),
        Arguments.of("empty domain", BackupRequest.of("")),
        Arguments.of("relative repository", new BackupRequest("vm1", "h1", null, "backups/vm1", null)),
        Arguments.of("repository with ..", new BackupRequest("vm1", "h1", null, "/srv/../etc", null)),
        Arguments.of("host with ..", BackupRequest.of("vm1").withHost("../h1")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidRequests")
  void invalidRequestFailsBeforeAnyActivityRuns(String why, BackupRequest request) {
    WorkflowFailedException failed = backupFails(harness.newBackup(), request);

    assertThat(failureType(failed)).isEqualTo(FailureType.INVALID_INPUT.name());
    assertThat(journal.entries()).isEmpty();
    assertThat(host.defaultHostCalls).hasValue(0);
  }

  @Test
  void backupOfDomainLockedByAnotherRunFailsAndOnlyReleasesTheLock() {
    host.domain = domain(DomainState.RUNNING);
    host.failNonRetryable("acquireDomainLock", FailureType.BACKUP_ALREADY_RUNNING);
    BackupWorkflow workflow = harness.newBackup();

    WorkflowFailedException failed = backupFails(workflow, BackupRequest.of("vm1").withHost("h1"));

    assertThat(failureType(failed)).isEqualTo(FailureType.BACKUP_ALREADY_RUNNING.name());
    // Releasing is registered before acquiring; the activity ignores a release by a non-owner.
    assertThat(journal.entries()).containsExactly("acquireDomainLock(vm1)", "releaseDomainLock(vm1)");
    WorkflowExecution execution = WorkflowStub.fromTyped(workflow).getExecution();
    assertThat(journal.onlyArgument("releaseDomainLock", LockRequest.class))
        .isEqualTo(new LockRequest("vm1", execution.getWorkflowId(), execution.getRunId()));
  }

  @Test
  void secondBackupWithTheSameWorkflowIdIsRefusedWhileTheFirstRuns() throws InterruptedException {
    host.domain = domain(DomainState.RUNNING);
    FakeHost.Gate copy = host.block("copyToRepository");
    WorkflowOptions options = WorkflowOptions.newBuilder()
        .setTaskQueue(TaskQueues.WORKFLOWS)
        .setWorkflowId(BackupWorkflow.workflowId("h1", "vm1"))
        .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
        .build();
    BackupRequest request = BackupRequest.of("vm1").withHost("h1");
    BackupWorkflow first = harness.client.newWorkflowStub(BackupWorkflow.class, options);
    WorkflowClient.start(first::backup, request);
    copy.awaitEntered();

    BackupWorkflow second = harness.client.newWorkflowStub(BackupWorkflow.class, options);
    Throwable refused = catchThrowable(() -> WorkflowClient.start(second::backup, request));

    assertThat(refused).isInstanceOf(WorkflowExecutionAlreadyStarted.class);
    copy.open();
    BackupResult result = WorkflowStub.fromTyped(first).getResult(BackupResult.class);
    assertThat(result.verified()).isTrue();
    assertThat(journal.methods()).containsOnlyOnce("acquireDomainLock", "releaseDomainLock");
  }

  @Test
  void aLockThatCannotBeReleasedAtTheEndDoesNotUndoAVerifiedBackup() {
    host.domain = domain(DomainState.RUNNING);
    host.failNonRetryable("releaseDomainLock", FailureType.DOMAIN_STATE);

    BackupResult result = harness.newBackup().backup(BackupRequest.of("vm1").withHost("h1"));

    assertThat(result.verified()).isTrue();
    assertThat(journal.methods()).doesNotContain("revertExternalSnapshot", "discardBackup")
        .endsWith("verifyBackup", "releaseDomainLock");
  }

  @Test
  void transientCopyFailuresAreRetriedWithoutCompensation() {
    host.domain = domain(DomainState.RUNNING);
    host.failRetryable("copyToRepository", 2);

    BackupResult result = harness.newBackup().backup(BackupRequest.of("vm1").withHost("h1"));

    assertThat(result.verified()).isTrue();
    assertThat(journal.methods()).containsExactly(
        "acquireDomainLock",
        "inspectDomain",
        "prepareBackupDirectory",
        "createExternalSnapshot",
        "copyToRepository",
        "copyToRepository",
        "copyToRepository",
        "blockCommit",
        "blockCommit",
        "verifyBackup",
        "releaseDomainLock");
  }

  @Test
  void statusOfCompletedBackupIsDoneWithItsIdAndPath() {
    host.domain = domain(DomainState.RUNNING);
    BackupWorkflow workflow = harness.newBackup();
    BackupResult result = workflow.backup(BackupRequest.of("vm1").withHost("h1"));

    // A fresh stub by workflow id, as an operator's CLI would query it.
    String workflowId = WorkflowStub.fromTyped(workflow).getExecution().getWorkflowId();
    BackupStatus status = harness.client.newWorkflowStub(BackupWorkflow.class, workflowId).status();

    assertThat(status).isEqualTo(new BackupStatus("done", result.backupId(), result.path()));
  }

  private static WorkflowFailedException backupFails(BackupWorkflow workflow, BackupRequest request) {
    Throwable thrown = catchThrowable(() -> workflow.backup(request));
    assertThat(thrown).isInstanceOf(WorkflowFailedException.class);
    return (WorkflowFailedException) thrown;
  }

  @SafeVarargs
  private static List<String> concat(List<String>... parts) {
    List<String> all = new ArrayList<>();
    for (List<String> part : parts) {
      all.addAll(part);
    }
    return all;
  }
}
