package dev.vmbackup.activities;

import static dev.vmbackup.activities.ActivityHarness.failureOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.vmbackup.host.hypervisor.HypervisorException;
import dev.vmbackup.host.repository.RepositoryException;
import dev.vmbackup.workflows.FailureType;
import io.temporal.activity.ActivityInterface;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How a host error reaches the workflow: classified ones as non-retryable typed failures, the rest
 * as retryable failures. Checked on both sides of Temporal's serialisation.
 */
class ActivityBoundaryTest {
  /** An activity that fails the way its test tells it to, through the activity boundary. */
  @ActivityInterface
  public interface Failing {
    String fail(String what);
  }

  static final class FailingImpl implements Failing {
    @Override
    public String fail(String what) {
      return ActivityBoundary.run("fail " + what, body(what));
    }
  }

  private ActivityHarness harness;
  private Failing failing;

  @BeforeEach
  void setUp() {
    harness = new ActivityHarness("boundary");
    harness.env.registerActivitiesImplementations(new FailingImpl());
    failing = harness.stub(Failing.class);
  }

  @AfterEach
  void tearDown() {
    harness.close();
  }

  private static Supplier<String> body(String what) {
    return () -> {
      throw switch (what) {
        case "full" -> new RepositoryException(RepositoryException.Kind.FULL, "cannot write /repo/vm/x: No space left");
        case "enospc" -> new UncheckedIOException(new IOException("No space left on device"));
        case "connection" -> new HypervisorException(HypervisorException.Kind.CONNECTION, "libvirtd went away");
        case "no-domain" -> new HypervisorException(HypervisorException.Kind.NO_DOMAIN, "no domain vm1");
        case "libvirt-enospc" -> new HypervisorException(HypervisorException.Kind.OTHER, "operation failed:"
            + " /usr/lib/libvirt/libvirt_iohelper: failure with /repo/vm1/x.partial/memory.save: Unable to write"
            + " /repo/vm1/x.partial/memory.save: No space left on device");
        case "flaky-io" -> new UncheckedIOException(new IOException("Stale file handle"));
        default -> new IllegalArgumentException("bad input " + what);
      };
    };
  }

  @Test
  void aFullRepositoryIsNotRetried() {
    ApplicationFailure direct = (ApplicationFailure) catchThrowable(() -> ActivityBoundary.run("copy", body("full")));
    assertThat(direct.getType()).isEqualTo(FailureType.REPOSITORY_FULL.name());
    assertThat(direct.isNonRetryable()).isTrue();

    ApplicationFailure seen = failureOf(() -> failing.fail("full"));
    assertThat(seen.getType()).isEqualTo(FailureType.REPOSITORY_FULL.name());
    assertThat(seen.isNonRetryable()).isTrue();
    assertThat(seen.getOriginalMessage()).contains("No space left");

    // The same condition as the JDK reports it.
    ApplicationFailure enospc = failureOf(() -> failing.fail("enospc"));
    assertThat(enospc.getType()).isEqualTo(FailureType.REPOSITORY_FULL.name());
    assertThat(enospc.isNonRetryable()).isTrue();

    // And as libvirt reports it when it writes a memory state into the repository.
    ApplicationFailure save = failureOf(() -> failing.fail("libvirt-enospc"));
    assertThat(save.getType()).isEqualTo(FailureType.REPOSITORY_FULL.name());
    assertThat(save.isNonRetryable()).isTrue();
  }

  @Test
  void aBrokenLibvirtConnectionIsRetried() {
    HypervisorException broken = new HypervisorException(HypervisorException.Kind.CONNECTION, "gone");
    Supplier<String> body = () -> {
      throw broken;
    };
    Throwable direct = catchThrowable(() -> ActivityBoundary.run("snapshot", body));
    assertThat(direct).as("rethrown as is").isSameAs(broken);

    ApplicationFailure seen = failureOf(() -> failing.fail("connection"));
    assertThat(seen.isNonRetryable()).isFalse();
    assertThat(seen.getType()).isEqualTo(HypervisorException.class.getName());
    assertThat(seen.getOriginalMessage()).isEqualTo("libvirtd went away");
  }

  @Test
  void otherErrorsAreClassifiedOnce() {
    ApplicationFailure missing = failureOf(() -> failing.fail("no-domain"));
    assertThat(missing.getType()).isEqualTo(FailureType.DOMAIN_NOT_FOUND.name());
    assertThat(missing.isNonRetryable()).isTrue();

    ApplicationFailure invalid = failureOf(() -> failing.fail("bad"));
    assertThat(invalid.getType()).isEqualTo(FailureType.INVALID_INPUT.name());
    assertThat(invalid.isNonRetryable()).isTrue();

    ApplicationFailure flaky = failureOf(() -> failing.fail("flaky-io"));
    assertThat(flaky.isNonRetryable()).as("an I/O error that may go away").isFalse();
  }
}
