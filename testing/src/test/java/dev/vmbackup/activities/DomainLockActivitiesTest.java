package dev.vmbackup.activities;

import static dev.vmbackup.activities.ActivityHarness.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.workflows.FailureType;
import dev.vmbackup.workflows.activities.DomainLockActivities;
import dev.vmbackup.workflows.model.LockRequest;
import io.temporal.failure.ApplicationFailure;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One backup or restore per domain: lock files in the worker's state directory. */
class DomainLockActivitiesTest {
  private static final String DOMAIN = "vmbt-locked";

  /** The runs Temporal would report as running; everything else has closed. */
  private final Set<String> runningRuns = ConcurrentHashMap.newKeySet();
  private ActivityHarness harness;
  private DomainLockActivities locks;

  @BeforeEach
  void setUp() {
    harness = new ActivityHarness("lock");
    harness.env.registerActivitiesImplementations(
        new DomainLockActivitiesImpl(harness.settings(), (workflowId, runId) -> runningRuns.contains(runId)));
    locks = harness.stub(DomainLockActivities.class);
  }

  @AfterEach
  void tearDown() {
    harness.close();
  }

  @Test
  void aSecondOwnerIsRefusedWithTheNameOfTheFirst() {
    LockRequest first = owner("backup-vm-1", "run-a");
    LockRequest second = owner("restore-vm-1", "run-b");

    locks.acquireDomainLock(first);
    locks.acquireDomainLock(first);
    ApplicationFailure failure = failureOf(() -> locks.acquireDomainLock(second));

    assertThat(failure.getType()).isEqualTo(FailureType.BACKUP_ALREADY_RUNNING.name());
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage()).contains(DOMAIN, "backup-vm-1", "run-a");
  }

  @Test
  void theLockOfAnOwnerThatIsGoneIsTakenOver() {
    LockRequest crashed = owner("backup-vm-1", "run-a");
    LockRequest next = owner("backup-vm-1", "run-b");
    locks.acquireDomainLock(crashed);
    runningRuns.remove("run-a");

    locks.acquireDomainLock(next);

    // The old owner's late release must not free the new owner's lock.
    locks.releaseDomainLock(crashed);
    ApplicationFailure failure = failureOf(() -> locks.acquireDomainLock(owner("backup-vm-2", "run-c")));
    assertThat(failure.getType()).isEqualTo(FailureType.BACKUP_ALREADY_RUNNING.name());
    assertThat(failure.getOriginalMessage()).contains("run-b").doesNotContain("run-a");
  }

  @Test
  void onlyTheOwnerReleasesTheLock() {
    LockRequest owner = owner("backup-vm-1", "run-a");
    LockRequest other = owner("backup-vm-2", "run-b");
    locks.acquireDomainLock(owner);

    locks.releaseDomainLock(other);

    ApplicationFailure failure = failureOf(() -> locks.acquireDomainLock(other));
    assertThat(failure.getOriginalMessage()).contains("run-a");

    locks.releaseDomainLock(owner);
    locks.releaseDomainLock(owner);
    locks.acquireDomainLock(other);
  }

  @Test
  void locksOfDifferentDomainsAreIndependent() {
    locks.acquireDomainLock(owner("backup-vm-1", "run-a"));

    locks.acquireDomainLock(new LockRequest("vmbt-other", "backup-vm-2", "run-b"));
  }

  @Test
  void aDomainNameThatIsNotAFileNameIsRefused() {
    ApplicationFailure failure =
        failureOf(() -> locks.acquireDomainLock(new LockRequest("../escape", "backup-x", "run-x")));

    assertThat(failure.getType()).isEqualTo(FailureType.INVALID_INPUT.name());
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(harness.dir.resolve("state/escape.lock")).doesNotExist();
  }

  /** A lock request of a run that Temporal reports as running. */
  private LockRequest owner(String workflowId, String runId) {
    runningRuns.add(runId);
    return new LockRequest(DOMAIN, workflowId, runId);
  }
}
