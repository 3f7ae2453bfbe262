package dev.vmbackup.workflows;

import static dev.vmbackup.workflows.Fixtures.UUID_VM1;
import static dev.vmbackup.workflows.Fixtures.VDA;
import static dev.vmbackup.workflows.Fixtures.VDA_BASE;
import static dev.vmbackup.workflows.WorkflowHarness.failureType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.DiskInfo;
import dev.vmbackup.workflows.model.DomainInfo;
import dev.vmbackup.workflows.model.DomainState;
import dev.vmbackup.workflows.model.ImageLayer;
import dev.vmbackup.workflows.model.PrepareBackupRequest;
import dev.vmbackup.workflows.model.RepositoryCopyRequest;
import dev.vmbackup.workflows.model.SavedStateRequest;
import dev.vmbackup.workflows.model.Strategy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.CanceledFailure;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Capture saved-state with strategy full: the stoney cloud method's steps, and its undo before anything else. */
class SavedStateWorkflowTest {
  static final String VDC = "/var/lib/libvirt/images/vm1-vdc.qcow2";

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

  /** vm1 with two qcow2 disks, one on a base image. */
  static DomainInfo qcow2Domain() {
    return new DomainInfo("vm1", UUID_VM1, DomainState.RUNNING, true,
        List.of(new DiskInfo("vda", VDA, "qcow2", List.of(new ImageLayer(VDA_BASE, "qcow2"))),
            new DiskInfo("vdc", VDC, "qcow2", List.of())),
        List.of(), true, null, FakeHost.DEFAULT_REPOSITORY);
  }

  private static BackupRequest savedState() {
    return new BackupRequest("vm1", "h1", CaptureMode.SAVED_STATE, null, Strategy.FULL);
  }

  @Test
  void theImagesAreRenamedAsideTheVmRestoredOntoOverlaysAtTheirPathsPulledAndTheFrozenImagesMovedIn() {
    host.domain = qcow2Domain();
    host.stoppedMillis = 1800;

    BackupResult result = harness.newBackup().backup(savedState());

    assertThat(journal.methods()).containsExactly("acquireDomainLock", "inspectDomain", "prepareBackupDirectory",
        "saveAndRestore", "pullIntoOverlays", "retainFrozenImages", "copyToRepository", "verifyBackup",
        "releaseDomainLock");
    String id = BackupIds.next(journal.onlyArgument("prepareBackupDirectory", PrepareBackupRequest.class)
        .proposedBackupId());
    SavedStateRequest plan = journal.onlyArgument("saveAndRestore", SavedStateRequest.class);
    assertThat(plan.disks()).containsExactly(
        new SavedStateRequest.Disk("vda", VDA, "qcow2", VDA + ".vmbackup-" + id + ".frozen", VDA),
        new SavedStateRequest.Disk("vdc", VDC, "qcow2", VDC + ".vmbackup-" + id + ".frozen", VDC));
    assertThat(plan.disks()).allMatch(SavedStateRequest.Disk::renamed);
    assertThat(plan.stateFile()).isEqualTo(plan.partialDir() + "/memory.save");
    assertThat(journal.onlyArgument("pullIntoOverlays", SavedStateRequest.class)).isEqualTo(plan);
    assertThat(journal.onlyArgument("retainFrozenImages", SavedStateRequest.class)).isEqualTo(plan);

    RepositoryCopyRequest copy = journal.onlyArgument("copyToRepository", RepositoryCopyRequest.class);
    assertThat(copy.disks()).as("the manifest names the images' own paths").isEqualTo(host.domain.disks());
    assertThat(copy.memoryFile()).isEqualTo(plan.stateFile());
    assertThat(copy.header().capture()).isEqualTo(CaptureMode.SAVED_STATE);
    assertThat(copy.stoppedMillis()).isEqualTo(1800);
    assertThat(result.capture()).isEqualTo(CaptureMode.SAVED_STATE);
    assertThat(result.stoppedMillis()).isEqualTo(1800);
  }

  record FailureCase(String name, Consumer<FakeHost> script, List<String> journal) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<FailureCase> failures() {
    List<String> start = List.of("acquireDomainLock", "inspectDomain", "prepareBackupDirectory", "saveAndRestore");
    List<String> undo = List.of("undoSaveAndRestore", "discardBackup", "releaseDomainLock");
    return Stream.of(
        new FailureCase("the save or restore fails",
            fake -> fake.failNonRetryable("saveAndRestore", FailureType.HYPERVISOR_REFUSED), concat(start, undo)),
        new FailureCase("the pull finds the chain changed",
            fake -> fake.failNonRetryable("pullIntoOverlays", FailureType.DISK_CHAIN_CHANGED),
            concat(start, List.of("pullIntoOverlays"), undo)),
        new FailureCase("the frozen images cannot be moved in",
            fake -> fake.failNonRetryable("retainFrozenImages", FailureType.REPOSITORY_FULL),
            concat(start, List.of("pullIntoOverlays", "retainFrozenImages"), undo)),
        new FailureCase("verification fails",
            fake -> fake.verifyOk = false,
            concat(start, List.of("pullIntoOverlays", "retainFrozenImages", "copyToRepository", "verifyBackup"),
                undo)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("failures")
  void afterTheSaveTheVmIsBroughtBackBeforeAnythingElseIsUndone(FailureCase failure) {
    host.domain = qcow2Domain();
    failure.script().accept(host);

    Throwable thrown = catchThrowable(() -> harness.newBackup().backup(savedState()));

    assertThat(thrown).isInstanceOf(WorkflowFailedException.class);
    assertThat(journal.methods()).containsExactlyElementsOf(failure.journal());
  }

  @Test
  void cancellationDuringTheSaveWaitsForItThenBringsTheVmBackFirst() throws InterruptedException {
    host.domain = qcow2Domain();
    FakeHost.Gate save = host.block("saveAndRestore");
    BackupWorkflow workflow = harness.newBackup();
    WorkflowClient.start(workflow::backup, savedState());
    WorkflowStub stub = WorkflowStub.fromTyped(workflow);

    save.awaitEntered();
    stub.cancel();
    // Without waiting for the save, the compensations would start at once, racing the save on the host.
    Thread.sleep(1500);
    assertThat(journal.methods()).doesNotContain("undoSaveAndRestore");
    save.open();
    Throwable thrown = catchThrowable(() -> stub.getResult(BackupResult.class));

    assertThat(thrown).isInstanceOf(WorkflowFailedException.class).hasCauseInstanceOf(CanceledFailure.class);
    // The save was not abandoned half-way: its undo ran only after it had returned.
    assertThat(journal.methods()).containsExactly("acquireDomainLock", "inspectDomain", "prepareBackupDirectory",
        "saveAndRestore", "undoSaveAndRestore", "discardBackup", "releaseDomainLock");
  }

  @Test
  void aRawDiskIsRefusedBeforeTheVmIsStopped() {
    host.domain = Fixtures.domain(DomainState.RUNNING);

    Throwable thrown = catchThrowable(() -> harness.newBackup().backup(savedState()));

    assertThat(failureType((WorkflowFailedException) thrown)).isEqualTo(FailureType.UNSUPPORTED_DISK.name());
    assertThat(journal.methods()).doesNotContain("saveAndRestore")
        .containsExactly("acquireDomainLock", "inspectDomain", "prepareBackupDirectory", "discardBackup",
            "releaseDomainLock");
  }

  @Test
  void aShutOffVmIsCopiedAsItIsWithoutBeingSaved() {
    DomainInfo on = qcow2Domain();
    host.domain = new DomainInfo("vm1", UUID_VM1, DomainState.SHUTOFF, true, on.disks(), List.of(), false, null,
        FakeHost.DEFAULT_REPOSITORY);

    BackupResult result = harness.newBackup().backup(savedState());

    assertThat(journal.methods()).doesNotContain("saveAndRestore", "createExternalSnapshot");
    assertThat(result.capture()).isEqualTo(CaptureMode.CRASH);
    assertThat(result.stoppedMillis()).isNull();
  }

  @SafeVarargs
  static List<String> concat(List<String>... parts) {
    return Stream.of(parts).flatMap(List::stream).toList();
  }
}
