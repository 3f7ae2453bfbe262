package dev.vmbackup.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmbackup.workflows.activities.CheckpointActivities;
import dev.vmbackup.workflows.activities.DomainLockActivities;
import dev.vmbackup.workflows.activities.HostDefaultsActivities;
import dev.vmbackup.workflows.activities.InspectActivities;
import dev.vmbackup.workflows.activities.PruneActivities;
import dev.vmbackup.workflows.model.BackupRef;
import dev.vmbackup.workflows.model.BackupSummary;
import dev.vmbackup.workflows.model.CheckpointDeletion;
import dev.vmbackup.workflows.model.IncrementalDecision;
import dev.vmbackup.workflows.model.IncrementalDecisionRequest;
import dev.vmbackup.workflows.model.PruneCheckpointsRequest;
import dev.vmbackup.workflows.model.DomainInfo;
import dev.vmbackup.workflows.model.InspectRequest;
import dev.vmbackup.workflows.model.LockRequest;
import dev.vmbackup.workflows.model.PruneRequest;
import dev.vmbackup.workflows.model.PruneResult;
import dev.vmbackup.workflows.model.RetentionPolicy;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The prune workflow's decisions: lock, decide, delete children before parents, dry run deletes nothing. */
class PruneWorkflowTest {
  private final List<String> journal = new CopyOnWriteArrayList<>();
  private final List<BackupSummary> backups = List.of(
      new BackupSummary("20261120T000000Z", null, false, null),
      new BackupSummary("20261121T000000Z", "20261120T000000Z", false, null),
      new BackupSummary("20261122T000000Z", null, false, null),
      new BackupSummary("20261123T000000Z", null, false, null));
  private TestWorkflowEnvironment environment;

  @BeforeEach
  void start() {
    environment = TestWorkflowEnvironment.newInstance();
    Worker workflows = environment.newWorker(TaskQueues.WORKFLOWS);
    workflows.registerWorkflowImplementationTypes(PruneWorkflowImpl.class);
    workflows.registerActivitiesImplementations((HostDefaultsActivities) () -> "h1");
    Worker host = environment.newWorker(TaskQueues.host("h1"));
    host.registerActivitiesImplementations(new Lock(), new Inspect(), new Prune(), new Checkpoints());
    environment.start();
  }

  @AfterEach
  void stop() {
    environment.close();
  }

  private PruneResult prune(RetentionPolicy policy, boolean dryRun) {
    PruneWorkflow workflow = environment.getWorkflowClient().newWorkflowStub(PruneWorkflow.class,
        WorkflowOptions.newBuilder().setTaskQueue(TaskQueues.WORKFLOWS).setWorkflowId("prune-h1-vm1").build());
    return workflow.prune(new PruneRequest("vm1", null, null, policy, dryRun));
  }

  @Test
  void deletesWhatIsNotKeptNewestFirstUnderTheDomainLock() {
    PruneResult result = prune(new RetentionPolicy(1, null, null, null, null, null), false);

    assertThat(result.removed()).containsExactly("20261122T000000Z", "20261121T000000Z", "20261120T000000Z");
    assertThat(journal).containsExactly(
        "lock vm1", "repository", "list /repo vm1",
        "delete 20261122T000000Z", "delete 20261121T000000Z", "delete 20261120T000000Z",
        "prune checkpoints of vm1 in /repo",
        "unlock vm1");
  }

  @Test
  void aDryRunDecidesButDeletesNothing() {
    PruneResult result = prune(new RetentionPolicy(2, null, null, null, null, null), true);

    assertThat(result.dryRun()).isTrue();
    assertThat(result.removed()).isEmpty();
    assertThat(result.decisions()).filteredOn(d -> !d.keep()).extracting(d -> d.backupId())
        .containsExactly("20261121T000000Z", "20261120T000000Z");
    assertThat(journal).noneMatch(entry -> entry.startsWith("delete") || entry.startsWith("prune checkpoints"));
  }

  @Test
  void aMissingRetentionPolicyIsRefusedBeforeAnythingRuns() {
    assertThatThrownBy(() -> prune(null, false))
        .isInstanceOf(WorkflowFailedException.class)
        .rootCause().isInstanceOf(ApplicationFailure.class)
        .hasMessageContaining("retention policy is required");
    assertThat(journal).isEmpty();
  }

  private final class Lock implements DomainLockActivities {
    @Override
    public void acquireDomainLock(LockRequest request) {
      journal.add("lock " + request.domain());
    }

    @Override
    public void releaseDomainLock(LockRequest request) {
      journal.add("unlock " + request.domain());
    }
  }

  private final class Inspect implements InspectActivities {
    @Override
    public DomainInfo inspectDomain(InspectRequest request) {
      throw new UnsupportedOperationException();
    }

    @Override
    public String resolveRepository(String requested) {
      journal.add("repository");
      return "/repo";
    }

    @Override
    public String resolveStore(String requested) {
      journal.add("store");
      return null;
    }
  }

  private final class Checkpoints implements CheckpointActivities {
    @Override
    public IncrementalDecision planIncrementalBackup(IncrementalDecisionRequest request) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<String> deleteCheckpoints(CheckpointDeletion request) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<String> pruneCheckpoints(PruneCheckpointsRequest request) {
      journal.add("prune checkpoints of " + request.domain() + " in " + request.repository());
      return List.of();
    }
  }

  private final class Prune implements PruneActivities {
    @Override
    public List<BackupSummary> listBackups(BackupRef domain) {
      journal.add("list " + domain.repository() + " " + domain.domain());
      return backups;
    }

    @Override
    public void deleteBackup(BackupRef backup) {
      journal.add("delete " + backup.backupId());
    }
  }
}
