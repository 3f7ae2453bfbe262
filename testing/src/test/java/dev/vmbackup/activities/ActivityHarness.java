package dev.vmbackup.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.vmbackup.host.image.QemuImg;
import dev.vmbackup.host.libvirt.LibvirtHypervisor;
import dev.vmbackup.host.process.ProcessRunner;
import dev.vmbackup.host.repository.SparseCopier;
import dev.vmbackup.testing.TestHost;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * One test's activity environment: a {@link TestActivityEnvironment} in front of the real host ports
 * (libvirt at {@code qemu:///system}, qemu-img, the sparse copier) and a fresh scratch directory for
 * the repository, the state directory and partial backup directories. Closing it deletes the directory.
 */
final class ActivityHarness implements AutoCloseable {
  static final String LIBVIRT_URI = TestHost.LIBVIRT_URI;
  /** A valid backup id; every test has its own repository, so one id serves them all. */
  static final String BACKUP_ID = "20251125T230000Z";

  /** Generous: TCG guests are slow. The test environment does not enforce them anyway. */
  static final ActivityOptions OPTIONS = ActivityOptions.newBuilder()
      .setStartToCloseTimeout(Duration.ofMinutes(10))
      .setHeartbeatTimeout(Duration.ofMinutes(2))
      .build();

  final TestActivityEnvironment env = TestActivityEnvironment.newInstance();
  final LibvirtHypervisor hypervisor = new LibvirtHypervisor(LIBVIRT_URI);
  final QemuImg images = new QemuImg(new ProcessRunner());
  final SparseCopier copier = new SparseCopier();
  final Path dir;

  ActivityHarness(String prefix) {
    this.dir = TestHost.scratchDir(prefix);
  }

  /**
   * Fails unless libvirt and the test guest are ready; waits a minute for libvirtd first, since other
   * tests on the host restart it now and then.
   */
  static void requireHost() {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    while (!TestHost.libvirtAvailable() && Instant.now().isBefore(deadline)) {
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    TestHost.requireReady();
  }

  <T> T stub(Class<T> activityInterface) {
    return env.newActivityStub(activityInterface, OPTIONS);
  }

  HostSettings settings() {
    return new HostSettings("testhost", dir.resolve("repository"), dir.resolve("state"), LIBVIRT_URI);
  }

  @Override
  public void close() {
    env.close();
    hypervisor.close();
    TestHost.deleteRecursively(dir);
  }

  /**
   * The failure a workflow would see from an activity call that must fail: an {@link ActivityFailure}
   * caused by the {@link ApplicationFailure} the activity boundary classified.
   */
  static ApplicationFailure failureOf(ThrowingCallable call) {
    Throwable thrown = catchThrowable(call);
    assertThat(thrown).as("the activity fails").isInstanceOf(ActivityFailure.class);
    assertThat(thrown.getCause()).as("with an application failure").isInstanceOf(ApplicationFailure.class);
    return (ApplicationFailure) thrown.getCause();
  }
}
