package dev.vmbackup.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmbackup.workflows.activities.HostDefaultsActivities;
import dev.vmbackup.workflows.activities.PolicyActivities;
import dev.vmbackup.workflows.model.BackupPolicy;
import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.BackupStatus;
import dev.vmbackup.workflows.model.Hooks;
import dev.vmbackup.workflows.model.Notify;
import dev.vmbackup.workflows.model.PlanResult;
import dev.vmbackup.workflows.model.PolicySchedule;
import dev.vmbackup.workflows.model.PruneRequest;
import dev.vmbackup.workflows.model.PruneResult;
import dev.vmbackup.workflows.model.RetentionPolicy;
import dev.vmbackup.workflows.model.Strategy;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A policy run: one backup child per VM with the per-host limit, pruning after success, notification. */
class PlanWorkflowTest {
  /** Start and end (workflow time) of each fake backup, and the requests, shared with the fake workflows. */
  static final List<long[]> SPANS = new CopyOnWriteArrayList<>();
  static final List<BackupRequest> REQUESTS = new CopyOnWriteArrayList<>();
  static final List<String> JOURNAL = new CopyOnWriteArrayList<>();
  /** When (workflow time) each fake prune ran. */
  static final List<Long> PRUNED_AT = new CopyOnWriteArrayList<>();

  private TestWorkflowEnvironment environment;

  /** A backup that takes ten minutes of workflow time and fails for a domain named "broken". */
  public static class FakeBackup implements BackupWorkflow {
    @Override
    public BackupResult backup(BackupRequest request) {
      REQUESTS.add(request);
      long start = Workflow.currentTimeMillis();
      Workflow.sleep(Duration.ofMinutes(10));
      SPANS.add(new long[] {start, Workflow.currentTimeMillis()});
      if (request.domain().equals("broken")) {
        throw ApplicationFailure.newNonRetryableFailure("domain broken not found on host h1", "DOMAIN_NOT_FOUND");
      }
      return new BackupResult(request.domain(), request.host(), "20261122T000000Z", "/repo", Strategy.FULL,
          request.capture(), List.of(), 1, List.of(), true);
    }

    @Override
    public BackupStatus status() {
      return new BackupStatus("done", null, null);
    }
  }

  public static class FakePrune implements PruneWorkflow {
    @Override
    public PruneResult prune(PruneRequest request) {
      JOURNAL.add("prune " + request.domain());
      PRUNED_AT.add(Workflow.currentTimeMillis());
      return new PruneResult(request.domain(), false, List.of(), List.of("20261101T000000Z"));
    }

    @Override
    public BackupStatus status() {
      return new BackupStatus("done", null, null);
    }
  }

  private static final class Plan implements PolicyActivities {
    @Override
    public List<String> listDomains(String glob) {
      JOURNAL.add("list " + glob);
      return List.of("web-1", "web-2");
    }

    @Override
    public void notifyRun(Notify notify, PlanResult result) {
      JOURNAL.add("notify " + result.allSucceeded());
    }

    /** Like a host whose configuration defines every name but {@code undefined}. */
    @Override
    public void checkPolicy(BackupPolicy policy) {
      if (policy.notification() != null && "undefined".equals(policy.notification().name())) {
        throw io.temporal.failure.ApplicationFailure.newNonRetryableFailure(
            "notification 'undefined' is not defined on host h1", FailureType.INVALID_INPUT.name());
      }
    }
  }

  @BeforeEach
  void start() {
    SPANS.clear();
    REQUESTS.clear();
    JOURNAL.clear();
    PRUNED_AT.clear();
    environment = TestWorkflowEnvironment.newInstance();
    Worker workflows = environment.newWorker(TaskQueues.WORKFLOWS);
    workflows.registerWorkflowImplementationTypes(PlanWorkflowImpl.class, FakeBackup.class, FakePrune.class);
    workflows.registerActivitiesImplementations((HostDefaultsActivities) () -> "h1");
    environment.newWorker(TaskQueues.host("h1")).registerActivitiesImplementations(new Plan());
    environment.start();
  }

  @AfterEach
  void stop() {
    environment.close();
  }

  private PlanResult run(BackupPolicy policy) {
    return environment.getWorkflowClient().newWorkflowStub(PlanWorkflow.class,
        WorkflowOptions.newBuilder().setTaskQueue(TaskQueues.WORKFLOWS).setWorkflowId("plan-test").build())
        .run(policy);
  }

  private static BackupPolicy policy(List<String> domains, String glob, RetentionPolicy retention, Notify notify) {
    return new BackupPolicy("nightly", domains, glob, "h1", Strategy.FULL, null, null,
        new PolicySchedule(null, "1h", null, null), retention, 2, new Hooks("app-quiesce", null, null), notify);
  }

  @Test
  void backsUpEveryVmWithAtMostTwoAtOnceThenPrunes() {
    PlanResult result = run(policy(List.of("a", "b", "c", "d", "e"), null,
        new RetentionPolicy(null, null, 7, null, null, null), null));

    assertThat(result.outcomes()).extracting(PlanResult.VmOutcome::domain).containsExactly("a", "b", "c", "d", "e");
    assertThat(result.outcomes()).allMatch(outcome -> outcome.status().equals("ok"));
    assertThat(result.outcomes()).allMatch(outcome -> outcome.pruned().equals(List.of("20261101T000000Z")));
    // Prunes of backups that ended together run at once, in either order.
    assertThat(JOURNAL).containsExactlyInAnyOrder("prune a", "prune b", "prune c", "prune d", "prune e");
    assertThat(maxOverlap()).isEqualTo(2);
    // Each backup carries the policy's hooks and host.
    assertThat(REQUESTS).allMatch(request -> request.hooks().preSnapshot().equals("app-quiesce")
        && request.host().equals("h1"));
  }

  @Test
  void eachVmIsPrunedRightAfterItsOwnBackupNotAfterTheLastOne() {
    PlanResult result = run(policy(List.of("a", "b", "c", "d", "e"), null,
        new RetentionPolicy(null, null, 7, null, null, null), null));
    RecordedHistories.record(environment.getWorkflowClient(), "plan-test", "PlanWorkflow-completed-prune-each");

    assertThat(result.outcomes()).allMatch(outcome -> outcome.pruned().equals(List.of("20261101T000000Z")));
    // The first two VMs' prunes ran when their backups ended, before the last backup had even started.
    long lastBackupStart = SPANS.stream().mapToLong(span -> span[0]).max().orElseThrow();
    assertThat(PRUNED_AT).hasSize(5);
    assertThat(PRUNED_AT.stream().sorted().limit(2)).allMatch(time -> time < lastBackupStart);
    // The per-host limit still holds.
    assertThat(maxOverlap()).isEqualTo(2);
  }

  @Test
  void aFailedBackupIsReportedAndNotifiedWhileTheOthersGoOn() {
    PlanResult result = run(policy(List.of("a", "broken", "c"), null, null, new Notify("ops", null)));

    assertThat(result.outcomes()).extracting(PlanResult.VmOutcome::status).containsExactly("ok", "failed", "ok");
    assertThat(result.outcomes().get(1).error()).isEqualTo("domain broken not found on host h1");
    assertThat(JOURNAL).containsExactly("notify false");
  }

  @Test
  void aGlobIsResolvedOnTheHost() {
    PlanResult result = run(policy(List.of(), "web-*", null, new Notify("ops", true)));

    assertThat(result.outcomes()).extracting(PlanResult.VmOutcome::domain).containsExactly("web-1", "web-2");
    assertThat(JOURNAL).containsExactly("list web-*", "notify true");
  }

  @Test
  void anInvalidPolicyFailsBeforeAnyBackup() {
    assertThatThrownBy(() -> run(policy(List.of("a"), "web-*", null, null)))
        .isInstanceOf(WorkflowFailedException.class)
        .rootCause().hasMessageContaining("either domains or domainGlob");
    assertThat(REQUESTS).isEmpty();
  }

  @Test
  void aPolicyTheHostRefusesFailsBeforeAnyBackup() {
    assertThatThrownBy(() -> run(policy(List.of("a"), null, null, new Notify("undefined", true))))
        .isInstanceOf(WorkflowFailedException.class)
        .rootCause().hasMessageContaining("notification 'undefined' is not defined on host h1");
    assertThat(REQUESTS).isEmpty();
    assertThat(JOURNAL).isEmpty();
  }

  private static int maxOverlap() {
    return Overlaps.max(SPANS);
  }
}
