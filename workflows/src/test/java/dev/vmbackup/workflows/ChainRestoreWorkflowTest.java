package dev.vmbackup.workflows;

import static dev.vmbackup.workflows.ChainBackupWorkflowTest.chainManifest;
import static dev.vmbackup.workflows.ChainBackupWorkflowTest.onChain;
import static dev.vmbackup.workflows.WorkflowHarness.failureType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.vmbackup.workflows.model.DefineDomainRequest;
import dev.vmbackup.workflows.model.DiskPlacement;
import dev.vmbackup.workflows.model.FilePlacement;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.RestoreCopyRequest;
import dev.vmbackup.workflows.model.RestoreRequest;
import dev.vmbackup.workflows.model.VerifyRequest;
import io.temporal.client.WorkflowFailedException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Restores of points of a chain: every disk from the same point, unless the request names a disk to
 * restore from another point, which then brings its own chain (read and verified too).
 */
class ChainRestoreWorkflowTest {
  static final String A = "20261120T010000Z";
  static final String B = "20261120T020000Z";
  static final String C = "20261120T030000Z";
  static final String TARGET = "/srv/restore";

  private WorkflowHarness harness;
  private FakeHost host;
  private Journal journal;

  @BeforeEach
  void startService() {
    harness = new WorkflowHarness();
    host = harness.host;
    journal = harness.journal();
    Manifest a = chainManifest(A, null, onChain(A));
    Manifest b = chainManifest(B, A, onChain(A, B));
    Manifest c = chainManifest(C, B, onChain(A, B, C));
    host.chainsById = Map.of(A, List.of(a), B, List.of(a, b), C, List.of(a, b, c));
  }

  @AfterEach
  void stopService() {
    harness.close();
  }

  private static RestoreRequest restore(String backupId, Map<String, String> diskPoints, Boolean inPlace) {
    return new RestoreRequest("vm1", backupId, inPlace == null ? "vm1-copy" : null, null, inPlace, TARGET, false, null,
        null, "h1", null, diskPoints);
  }

  @Test
  void aChainPointStacksTheLayersOfEveryBackupItBuildsOnForEveryDisk() {
    harness.newRestore().restore(restore(C, null, null));

    assertThat(journal.arguments("verifyBackup", VerifyRequest.class)).extracting(VerifyRequest::backupId)
        .containsExactly(A, B, C);
    RestoreCopyRequest copy = journal.onlyArgument("copyFromRepository", RestoreCopyRequest.class);
    for (DiskPlacement disk : copy.disks()) {
      assertThat(disk.chain()).extracting(FilePlacement::backupId).containsExactly(null, B, A);
    }
  }

  @Test
  void aDiskIsRestoredToAnotherPointOnlyWhenAskedAndBringsItsOwnChain() {
    harness.newRestore().restore(restore(C, Map.of("vdb", A), null));

    assertThat(journal.arguments("readBackupChain", dev.vmbackup.workflows.model.BackupRef.class))
        .extracting(dev.vmbackup.workflows.model.BackupRef::backupId).containsExactly(C, A);
    // Every backup either point needs is verified, each once.
    assertThat(journal.arguments("verifyBackup", VerifyRequest.class)).extracting(VerifyRequest::backupId)
        .containsExactly(A, B, C);
    RestoreCopyRequest copy = journal.onlyArgument("copyFromRepository", RestoreCopyRequest.class);
    assertThat(copy.disks().get(0).target()).isEqualTo("vda");
    assertThat(copy.disks().get(0).chain()).extracting(FilePlacement::backupId).containsExactly(null, B, A);
    assertThat(copy.disks().get(1).target()).isEqualTo("vdb");
    assertThat(copy.disks().get(1).chain()).extracting(FilePlacement::backupId, FilePlacement::destination)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(A, TARGET + "/vm1-copy-vdb.qcow2"));
    assertThat(journal.onlyArgument("defineRestoredDomain", DefineDomainRequest.class).diskPaths())
        .containsEntry("vdb", TARGET + "/vm1-copy-vdb.qcow2");
  }

  @Test
  void otherPointsAreRefusedInPlaceAndForDisksTheBackupDoesNotHave() {
    WorkflowFailedException inPlace = (WorkflowFailedException) catchThrowable(() ->
        harness.newRestore().restore(restore(C, Map.of("vdb", A), true)));
    assertThat(failureType(inPlace)).isEqualTo(FailureType.INVALID_INPUT.name());

    WorkflowFailedException unknown = (WorkflowFailedException) catchThrowable(() ->
        harness.newRestore().restore(restore(C, Map.of("vdz", A), null)));
    assertThat(failureType(unknown)).isEqualTo(FailureType.INVALID_INPUT.name());
    assertThat(journal.methods()).doesNotContain("copyFromRepository");
  }
}
