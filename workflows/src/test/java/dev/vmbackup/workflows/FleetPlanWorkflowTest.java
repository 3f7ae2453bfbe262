package dev.vmbackup.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmbackup.workflows.activities.HostRegistryActivities;
import dev.vmbackup.workflows.activities.PolicyActivities;
import dev.vmbackup.workflows.model.BackupPolicy;
import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.BackupStatus;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.FleetPlanResult;
import dev.vmbackup.workflows.model.FleetPlanResult.HostOutcome;
import dev.vmbackup.workflows.model.Notify;
import dev.vmbackup.workflows.model.PlanResult;
import dev.vmbackup.workflows.model.PolicySchedule;
import dev.vmbackup.workflows.model.RetentionPolicy;
import dev.vmbackup.workflows.model.Strategy;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A fleet run on the test server with the real plan workflow under it and fake backups: hosts hv1 and
 * hv2 have workers, hv3 is registered but has none. Concurrency is measured from the backups' spans in
 * workflow time, which the test server makes deterministic.
 */
class FleetPlanWorkflowTest {
  /** Host, domain, start and end (workflow time) of each fake backup. */
  record Span(String host, String domain, long start, long end) {}

  static final List<Span> SPANS = new CopyOnWriteArrayList<>();

  private TestWorkflowEnvironment environment;
  private WorkflowClient client;

  /** A backup that takes ten minutes of workflow time and fails for a domain whose name starts with "broken". */
  public static class FakeBackup implements BackupWorkflow {
    @Override
    public BackupResult backup(BackupRequest request) {
      long start = Workflow.currentTimeMillis();
      Workflow.sleep(Duration.ofMinutes(10));
      SPANS.add(new Span(request.host(), request.domain(), start, Workflow.currentTimeMillis()));
      if (request.domain().startsWith("broken")) {
        throw ApplicationFailure.newNonRetryableFailure("domain " + request.domain() + " has no disks", "INVALID_INPUT");
      }
      return new BackupResult(request.domain(), request.host(), "20261122T000000Z", "/repo", Strategy.FULL,
          request.capture(), List.of(), 1, List.of(), true);
    }

    @Override
    public BackupStatus status() {
      return new BackupStatus("done", null, null);
    }
  }

  /** A host's policy actions: its VMs, and a configuration that defines every name. */
  private record HostPlan(List<String> vms) implements PolicyActivities {
    @Override
    public List<String> listDomains(String glob) {
      String prefix = glob.replace("*", "");
      return vms.stream().filter(vm -> vm.startsWith(prefix)).toList();
    }

    @Override
    public void notifyRun(Notify notify, PlanResult result) {}

    @Override
    public void checkPolicy(BackupPolicy policy) {}
  }

  /** A host whose configuration does not define the policy's repository. */
  private static final class RefusingHost implements PolicyActivities {
    @Override
    public List<String> listDomains(String glob) {
      return List.of("d1");
    }

    @Override
    public void notifyRun(Notify notify, PlanResult result) {}

    @Override
    public void checkPolicy(BackupPolicy policy) {
      throw ApplicationFailure.newNonRetryableFailure("repository 'nas' is not defined on host hv4",
          FailureType.INVALID_INPUT.name());
    }
  }

  /** A host whose worker runs but cannot list its domains. */
  private static final class BrokenLibvirt implements PolicyActivities {
    @Override
    public List<String> listDomains(String glob) {
      throw ApplicationFailure.newFailure("cannot connect to libvirt: connection refused", "HYPERVISOR_UNAVAILABLE");
    }

    @Override
    public void notifyRun(Notify notify, PlanResult result) {}

    @Override
    public void checkPolicy(BackupPolicy policy) {}
  }

  @BeforeEach
  void start() {
    SPANS.clear();
    environment = TestWorkflowEnvironment.newInstance();
    Worker workflows = environment.newWorker(TaskQueues.WORKFLOWS);
    workflows.registerWorkflowImplementationTypes(FleetPlanWorkflowImpl.class, PlanWorkflowImpl.class,
        FakeBackup.class, PlanWorkflowTest.FakePrune.class, HostRegistryWorkflowImpl.class);
    workflows.registerActivitiesImplementations((HostRegistryActivities) () -> List.of("hv1", "hv2", "hv3"));
    environment.newWorker(TaskQueues.host("hv1"))
        .registerActivitiesImplementations(new HostPlan(List.of("a1", "a2", "a3", "a4", "a5")));
    environment.newWorker(TaskQueues.host("hv2"))
        .registerActivitiesImplementations(new HostPlan(List.of("b1", "b2", "b3", "b4", "b5", "broken1")));
    // hv4 refuses the policy (its configuration lacks the repository), hv5's libvirt does not answer.
    environment.newWorker(TaskQueues.host("hv4")).registerActivitiesImplementations(new RefusingHost());
    environment.newWorker(TaskQueues.host("hv5")).registerActivitiesImplementations(new BrokenLibvirt());
    // hv3 is registered, but no worker polls its queue: its host is down.
    environment.start();
    client = environment.getWorkflowClient();
  }

  @AfterEach
  void stop() {
    environment.close();
  }

  private FleetPlanResult run(BackupPolicy policy, String recordAs) {
    FleetPlanWorkflow fleet = client.newWorkflowStub(FleetPlanWorkflow.class, WorkflowOptions.newBuilder()
        .setTaskQueue(TaskQueues.WORKFLOWS).setWorkflowId(FleetPlanWorkflow.workflowId(policy.name())).build());
    WorkflowExecution execution = WorkflowClient.start(fleet::run, policy);
    FleetPlanResult result = WorkflowStub.fromTyped(fleet).getResult(FleetPlanResult.class);
    record(execution.getWorkflowId(), recordAs);
    if (recordAs != null) {
      // The host plans too, which the fleet run started with a start spread or a share of the limit.
      for (HostOutcome host : result.hosts()) {
        if (host.plan() != null && !host.plan().outcomes().isEmpty()) {
          record(FleetPlanWorkflow.hostPlanId(policy.name(), host.host()),
              recordAs.replace("FleetPlanWorkflow", "PlanWorkflow") + "-" + host.host());
        }
      }
    }
    return result;
  }

  private void record(String workflowId, String name) {
    RecordedHistories.record(client, workflowId, name);
  }

  private static BackupPolicy fleet(List<String> hosts, List<String> domains, String glob, Integer perHost,
      Integer maxConcurrent, Integer spread) {
    return new BackupPolicy("nightly", domains, glob, null, Strategy.FULL, CaptureMode.CRASH, null,
        new PolicySchedule(null, "1h", null, null), new RetentionPolicy(1, null, null, null, null, null), perHost,
        null, null, null, null, hosts, maxConcurrent, spread, hosts.contains("hv3") ? 2 : null);
  }

  @Test
  void twoHostsWithWorkersAreBackedUpEachByItsOwnPlan() {
    FleetPlanResult result = run(fleet(List.of("hv2", "hv1"), List.of(), "a*", 2, null, null), null);

    assertThat(result.hosts()).extracting(HostOutcome::host).containsExactly("hv1", "hv2");
    HostOutcome hv1 = result.hosts().get(0);
    assertThat(hv1.status()).isEqualTo("ok");
    assertThat(hv1.plan().outcomes()).extracting(PlanResult.VmOutcome::domain)
        .containsExactly("a1", "a2", "a3", "a4", "a5");
    assertThat(hv1.plan().outcomes()).allMatch(outcome -> outcome.pruned().equals(List.of("20261101T000000Z")));
    // hv2 has no VM matching a*: ok, with nothing to do, and no plan child was started for it.
    assertThat(result.hosts().get(1)).extracting(HostOutcome::status, HostOutcome::reason)
        .containsExactly("ok", "no VM of the policy on this host");
    assertThat(SPANS).allMatch(span -> span.host().equals("hv1"));
    assertThat(maxOverlap(SPANS)).isEqualTo(2);
    assertThat(result.allSucceeded()).isTrue();
  }

  @Test
  void aHostWithoutAWorkerIsSkippedWithTheReasonWhileTheOthersAreBackedUp() {
    FleetPlanResult result = run(fleet(List.of("hv1", "hv2", "hv3"), List.of("a1", "b2", "c9"), null, 2, null, null),
        "FleetPlanWorkflow-completed-skipped-host");

    assertThat(result.hosts()).extracting(HostOutcome::host, HostOutcome::status)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("hv1", "ok"), org.assertj.core.groups.Tuple.tuple("hv2", "ok"),
            org.assertj.core.groups.Tuple.tuple("hv3", "skipped"));
    assertThat(result.hosts().get(2).reason())
        .isEqualTo("no worker of host hv3 took the inventory within 2 s (is vmbackup worker running there?)");
    assertThat(result.hosts().get(0).plan().outcomes()).extracting(PlanResult.VmOutcome::domain).containsExactly("a1");
    assertThat(result.hosts().get(1).plan().outcomes()).extracting(PlanResult.VmOutcome::domain).containsExactly("b2");
    // c9 is on no host that answered (it may be on hv3).
    assertThat(result.domainsNotFound()).containsExactly("c9");
    assertThat(result.allSucceeded()).isFalse();
  }

  @Test
  void aHostWhoseInventoryOrPlanFailsIsReportedFailedWithTheHostsOwnWords() {
    // hv4 and hv5 are named, not registered: a name is taken as it is.
    FleetPlanResult result = run(fleet(List.of("hv1", "hv4", "hv5"), List.of(), "*", 2, null, null), null);

    assertThat(result.hosts()).extracting(HostOutcome::host, HostOutcome::status).containsExactly(
        org.assertj.core.groups.Tuple.tuple("hv1", "ok"), org.assertj.core.groups.Tuple.tuple("hv4", "failed"),
        org.assertj.core.groups.Tuple.tuple("hv5", "failed"));
    assertThat(result.hosts().get(1).reason()).isEqualTo("repository 'nas' is not defined on host hv4");
    assertThat(result.hosts().get(2).reason()).isEqualTo("inventory failed: cannot connect to libvirt: connection refused");
    assertThat(SPANS).extracting(Span::host).containsOnly("hv1");
  }

  @Test
  void theRegistryKeepsEachRegisteredHostOnceUntilItIsForgotten() {
    // As each worker does when it starts: signal with start, a new stub each time.
    for (String host : List.of("hv2", "hv1", "hv2", "hv3")) {
      HostRegistryWorkflow registry = client.newWorkflowStub(HostRegistryWorkflow.class, WorkflowOptions.newBuilder()
          .setTaskQueue(TaskQueues.WORKFLOWS).setWorkflowId(HostRegistryWorkflow.WORKFLOW_ID).build());
      io.temporal.client.BatchRequest request = client.newSignalWithStartRequest();
      request.add(registry::run, List.<String>of());
      request.add(registry::register, host);
      client.signalWithStart(request);
    }
    HostRegistryWorkflow registry = client.newWorkflowStub(HostRegistryWorkflow.class, HostRegistryWorkflow.WORKFLOW_ID);
    registry.forget("hv3");

    assertThat(registry.hosts()).containsExactly("hv1", "hv2");
    record(HostRegistryWorkflow.WORKFLOW_ID, "HostRegistryWorkflow-running");
  }

  @Test
  void namesAreKeptGlobsMatchRegisteredHostsAndTheSelectionIsSortedWithoutDuplicates() {
    HostSelection.Selected selected = HostSelection.resolve(List.of("hv9", "hv?", "db[12]", "hv1", "x*"),
        List.of("hv1", "hv2", "hv10", "db1", "db3"));
    assertThat(selected.hosts()).containsExactly("db1", "hv1", "hv2", "hv9");
    assertThat(selected.unmatchedGlobs()).containsExactly("x*");
    // A dot in a glob is a dot, not any character.
    assertThat(HostSelection.resolve(List.of("hv.*"), List.of("hv1", "hv.a")).hosts()).containsExactly("hv.a");
  }

  @Test
  void globsSelectTheRegisteredHosts() {
    FleetPlanResult result = run(fleet(List.of("hv[12]", "web*"), List.of(), "*", 2, null, null), null);

    assertThat(result.hosts()).extracting(HostOutcome::host).containsExactly("hv1", "hv2");
    assertThat(result.unmatchedGlobs()).containsExactly("web*");
    assertThat(SPANS).hasSize(11);
    // hv2's broken1 failed and the rest of hv2 succeeded: partial, with the count and each VM's error.
    HostOutcome hv2 = result.hosts().get(1);
    assertThat(hv2.status()).isEqualTo("partial");
    assertThat(hv2.reason()).isEqualTo("1 of 6 backups did not succeed");
    assertThat(hv2.plan().outcomes()).filteredOn(outcome -> outcome.domain().equals("broken1"))
        .extracting(PlanResult.VmOutcome::error).containsExactly("domain broken1 has no disks");
  }

  @Test
  void theFleetWideLimitIsNeverExceededAndEachHostKeepsItsOwn() {
    FleetPlanResult result = run(fleet(List.of("hv1", "hv2"), List.of(), "*", 2, 3, null),
        "FleetPlanWorkflow-completed-max-concurrent");

    assertThat(result.hosts()).extracting(HostOutcome::status).containsExactly("ok", "partial");
    assertThat(SPANS).hasSize(11);
    assertThat(maxOverlap(SPANS)).isEqualTo(3);
    assertThat(maxOverlap(SPANS.stream().filter(span -> span.host().equals("hv1")).toList())).isLessThanOrEqualTo(2);
    assertThat(maxOverlap(SPANS.stream().filter(span -> span.host().equals("hv2")).toList())).isLessThanOrEqualTo(2);
  }

  @Test
  void aFleetWideLimitOfOneRunsOneBackupAtATimeAcrossHosts() {
    FleetPlanResult result = run(fleet(List.of("hv1", "hv2", "hv3"), List.of(), "*", 2, 1, null), null);

    assertThat(result.hosts()).extracting(HostOutcome::status).containsExactly("ok", "partial", "skipped");
    assertThat(SPANS).hasSize(11);
    assertThat(maxOverlap(SPANS)).isEqualTo(1);
  }

  @Test
  void backupsStartAtSpreadOffsetsWithinTheWindow() {
    long runStart = environment.currentTimeMillis();
    FleetPlanResult result = run(fleet(List.of("hv1", "hv2"), List.of(), "*", 6, null, 600),
        "FleetPlanWorkflow-completed-spread");

    assertThat(result.hosts()).extracting(HostOutcome::status).containsExactly("ok", "partial");
    assertThat(SPANS).hasSize(11);
    // Every backup starts within the 600 s window (the inventory itself takes no workflow time here,
    // the host plans start with the run), and they do not all start at the same instant.
    assertThat(SPANS).allSatisfy(span -> assertThat(span.start() - runStart).isBetween(0L, 600_000L));
    assertThat(SPANS.stream().map(Span::start).distinct().count()).isGreaterThan(5);
  }

  @Test
  void spreadOffsetsAreWithinTheWindowAndTheSameForTheSameSeed() {
    List<Duration> first = StartSpread.offsets(new java.util.Random(42), 1000, 900);
    List<Duration> second = StartSpread.offsets(new java.util.Random(42), 1000, 900);
    assertThat(first).isEqualTo(second);
    assertThat(first).allSatisfy(offset ->
        assertThat(offset).isGreaterThanOrEqualTo(Duration.ZERO).isLessThan(Duration.ofSeconds(900)));
    assertThat(first.stream().map(offset -> offset.toSeconds()).distinct().count()).isGreaterThan(500);
    assertThat(StartSpread.offsets(new java.util.Random(1), 3, 0)).containsOnly(Duration.ZERO);
  }

  @Test
  void sharesAreDealtRoundRobinInOrderAndNeverExceedTheFreeSlots() {
    Map<String, Integer> demands = new java.util.LinkedHashMap<>();
    demands.put("hv1", 2);
    demands.put("hv2", 2);
    demands.put("hv3", 1);
    assertThat(FleetShares.deal(4, demands)).containsExactly(Map.entry("hv1", 2), Map.entry("hv2", 1),
        Map.entry("hv3", 1));
    assertThat(FleetShares.deal(2, demands)).containsExactly(Map.entry("hv1", 1), Map.entry("hv2", 1));
    assertThat(FleetShares.deal(100, demands)).containsExactly(Map.entry("hv1", 2), Map.entry("hv2", 2),
        Map.entry("hv3", 1));
    assertThat(FleetShares.deal(0, demands)).isEmpty();
  }

  @Test
  void invalidFleetPoliciesAreRefusedInOneLine() {
    BackupPolicy both = new BackupPolicy("bad", List.of("a"), null, "hv1", Strategy.FULL, null, null,
        new PolicySchedule(null, "1h", null, null), null, null, null, null, null, null, List.of("hv2"), null, null, null);
    assertThatThrownBy(() -> PolicyValidation.check(both)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("policy bad: give either host or hosts");
    assertThatThrownBy(() -> PolicyValidation.check(fleet(List.of("hv/1"), List.of("a"), null, null, null, null)))
        .hasMessage("host 'hv/1' is not allowed: use letters, digits and . _ - only");
    assertThatThrownBy(() -> PolicyValidation.check(fleet(List.of("hv*;x"), List.of("a"), null, null, null, null)))
        .hasMessage("hosts: 'hv*;x' may use letters, digits, . _ - and the wildcards * ? [ ]");
    assertThatThrownBy(() -> PolicyValidation.check(fleet(List.of("hv1"), List.of("a"), null, null, 0, null)))
        .hasMessage("policy nightly: maxConcurrent must be at least 1");
    assertThatThrownBy(() -> PolicyValidation.check(fleet(List.of("hv1"), List.of("a"), null, null, null, -1)))
        .hasMessage("policy nightly: startSpreadSeconds must be between 0 and 86400");
    assertThatThrownBy(() -> PolicyValidation.check(new BackupPolicy("one", List.of("a"), null, "hv1", Strategy.FULL,
        null, null, new PolicySchedule(null, "1h", null, null), null, null, null, null, null, null, null, null, null, 5)))
        .hasMessage("policy one: inventorySeconds is for fleet policies (hosts), between 1 and 600");
    BackupPolicy limitWithoutHosts = new BackupPolicy("one", List.of("a"), null, "hv1", Strategy.FULL, null, null,
        new PolicySchedule(null, "1h", null, null), null, null, null, null, null, null, null, 4, null, null);
    assertThatThrownBy(() -> PolicyValidation.check(limitWithoutHosts)).hasMessage(
        "policy one: maxConcurrent limits a fleet policy (hosts); a policy of one host has maxConcurrentPerHost");
    // An old policy (no hosts, no fleet fields) is still valid.
    PolicyValidation.check(new BackupPolicy("old", List.of("a"), null, "hv1", Strategy.FULL, null, null,
        new PolicySchedule(null, "1h", null, null), null, 2, null, null));
  }

  @Test
  void eachWorkflowTypeRefusesTheOthersPolicies() {
    BackupPolicy fleetPolicy = fleet(List.of("hv1"), List.of("a1"), null, null, null, null);
    PlanWorkflow plan = client.newWorkflowStub(PlanWorkflow.class,
        WorkflowOptions.newBuilder().setTaskQueue(TaskQueues.WORKFLOWS).setWorkflowId("plan-wrong").build());
    assertThatThrownBy(() -> plan.run(fleetPolicy)).isInstanceOf(WorkflowFailedException.class)
        .rootCause().hasMessageContaining("names hosts: it is run by FleetPlanWorkflow");
    BackupPolicy single = new BackupPolicy("one", List.of("a1"), null, "hv1", Strategy.FULL, null, null,
        new PolicySchedule(null, "1h", null, null), null, 2, null, null);
    assertThatThrownBy(() -> run(single, null)).isInstanceOf(WorkflowFailedException.class)
        .rootCause().hasMessageContaining("names no hosts: it is run by PlanWorkflow");
    assertThat(SPANS).isEmpty();
  }

  private static int maxOverlap(List<Span> spans) {
    return Overlaps.max(spans.stream().map(span -> new long[] {span.start(), span.end()}).toList());
  }
}
