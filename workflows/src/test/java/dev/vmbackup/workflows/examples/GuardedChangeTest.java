package dev.vmbackup.workflows.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmbackup.workflows.BackupWorkflow;
import dev.vmbackup.workflows.RestoreWorkflow;
import dev.vmbackup.workflows.TaskQueues;
import dev.vmbackup.workflows.examples.GuardedChange.Change;
import dev.vmbackup.workflows.examples.GuardedChange.ChangeActivities;
import dev.vmbackup.workflows.examples.GuardedChange.GuardedChangeWorkflow;
import dev.vmbackup.workflows.examples.GuardedChange.GuardedChangeWorkflowImpl;
import dev.vmbackup.workflows.examples.GuardedChange.Outcome;
import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.BackupStatus;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.RestoreRequest;
import dev.vmbackup.workflows.model.RestoreResult;
import dev.vmbackup.workflows.model.Strategy;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import dev.vmbackup.workflows.schema.Checkout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The README's service workflow against stand-ins of vmbackup's workflows, registered under vmbackup's
 * interfaces on vmbackup's task queue: so the type names, the ids and the JSON the service sends must be
 * the ones vmbackup's real workflows answer to, read into vmbackup's own records.
 */
class GuardedChangeTest {
  static final List<Object> CALLS = new CopyOnWriteArrayList<>();

  private TestWorkflowEnvironment environment;

  /** vmbackup's backup, played: fails for a VM named "missing", as the real one fails for an unknown VM. */
  public static class FakeBackup implements BackupWorkflow {
    @Override
    public BackupResult backup(BackupRequest request) {
      CALLS.add(io.temporal.workflow.Workflow.getInfo().getWorkflowId());
      CALLS.add(request);
      if (request.domain().equals("missing")) {
        throw ApplicationFailure.newNonRetryableFailure("domain missing not found on host hv1", "DOMAIN_NOT_FOUND");
      }
      return new BackupResult(request.domain(), request.host(), "20261130T220000Z", "/backups/" + request.domain(),
          request.strategy(), request.capture(), List.of(), 4096, List.of(), true);
    }

    @Override
    public BackupStatus status() {
      return new BackupStatus("done", null, null);
    }
  }

  public static class FakeRestore implements RestoreWorkflow {
    @Override
    public RestoreResult restore(RestoreRequest request) {
      CALLS.add(io.temporal.workflow.Workflow.getInfo().getWorkflowId());
      CALLS.add(request);
      return new RestoreResult(request.domain(), request.backupId(), "uuid", "in-place", List.of(), List.of(), true);
    }

    @Override
    public BackupStatus status() {
      return new BackupStatus("done", null, null);
    }
  }

  /** The service's change: fails for a description containing "break". */
  static final class Changes implements ChangeActivities {
    @Override
    public void applyChange(String domain, String description) {
      CALLS.add("change " + domain + ": " + description);
      if (description.contains("break")) {
        throw ApplicationFailure.newFailure("the upgrade left the application down", "UPGRADE_FAILED");
      }
    }
  }

  @BeforeEach
  void start() {
    CALLS.clear();
    environment = TestWorkflowEnvironment.newInstance();
    Worker vmbackup = environment.newWorker(TaskQueues.WORKFLOWS);
    vmbackup.registerWorkflowImplementationTypes(FakeBackup.class, FakeRestore.class);
    Worker service = environment.newWorker("my-service");
    service.registerWorkflowImplementationTypes(GuardedChangeWorkflowImpl.class);
    service.registerActivitiesImplementations(new Changes());
    environment.start();
  }

  @AfterEach
  void stop() {
    environment.close();
  }

  private Outcome run(Change change) {
    return environment.getWorkflowClient().newWorkflowStub(GuardedChangeWorkflow.class,
        WorkflowOptions.newBuilder().setTaskQueue("my-service").setWorkflowId("change-" + change.domain()).build())
        .apply(change);
  }

  @Test
  void aChangeThatWorksIsMadeAfterABackupAndNothingIsRestored() {
    Outcome outcome = run(new Change("vm-001", "hv1", "upgrade app to 2.0"));

    assertThat(outcome).isEqualTo(new Outcome("20261130T220000Z", true, null, null));
    assertThat(CALLS).containsExactly("backup-hv1-vm-001",
        new BackupRequest("vm-001", "hv1", CaptureMode.QUIESCE, null, Strategy.FULL),
        "change vm-001: upgrade app to 2.0");
  }

  @Test
  void aChangeThatFailsIsUndoneByRestoringTheBackupInPlace() {
    Outcome outcome = run(new Change("vm-001", "hv1", "upgrade that will break"));

    assertThat(outcome).isEqualTo(
        new Outcome("20261130T220000Z", false, "20261130T220000Z", "the upgrade left the application down"));
    assertThat(CALLS).containsExactly("backup-hv1-vm-001",
        new BackupRequest("vm-001", "hv1", CaptureMode.QUIESCE, null, Strategy.FULL),
        "change vm-001: upgrade that will break",
        "restore-hv1-vm-001",
        new RestoreRequest("vm-001", "20261130T220000Z", null, null, true, null, null, null, null, "hv1"));
  }

  /** The README shows this class: each line of its example must be a line of the class, so that it compiles and runs. */
  @Test
  void theReadmesExampleIsThisClass() throws IOException {
    Path root = Checkout.root();
    String readme = Files.readString(root.resolve("README.md"));
    int marker = readme.indexOf("<!-- guarded-change-example:");
    assertThat(marker).as("the README's marker of the example").isPositive();
    int start = readme.indexOf("```java\n", marker) + "```java\n".length();
    String example = readme.substring(start, readme.indexOf("```", start));
    List<String> source = Files.readAllLines(
        root.resolve("workflows/src/test/java/dev/vmbackup/workflows/examples/GuardedChange.java")).stream()
        .map(String::strip).toList();

    assertThat(example.lines().map(String::strip).filter(line -> !line.isEmpty()))
        .as("lines of the README's example that GuardedChange.java lacks")
        .filteredOn(line -> !source.contains(line)).isEmpty();
  }

  @Test
  void withoutABackupNothingIsChanged() {
    assertThatThrownBy(() -> run(new Change("missing", "hv1", "upgrade app to 2.0")))
        .isInstanceOf(WorkflowFailedException.class)
        .rootCause().hasMessageContaining("domain missing not found on host hv1");

    assertThat(CALLS).containsExactly("backup-hv1-missing",
        new BackupRequest("missing", "hv1", CaptureMode.QUIESCE, null, Strategy.FULL));
  }
}
