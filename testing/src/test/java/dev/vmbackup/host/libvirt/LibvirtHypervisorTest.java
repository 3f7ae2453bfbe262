package dev.vmbackup.host.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.vmbackup.host.hypervisor.DomainStatus;
import dev.vmbackup.host.hypervisor.HypervisorException;
import dev.vmbackup.host.hypervisor.HypervisorException.Kind;
import dev.vmbackup.testing.Commands;
import dev.vmbackup.testing.RestartsLibvirtd;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.testing.TestHost;
import dev.vmbackup.workflows.model.DomainState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link LibvirtHypervisor} against the real libvirtd: lookups, the guest agent, errors, reconnecting. */
@RestartsLibvirtd
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class LibvirtHypervisorTest {
  private static final Path PID_FILE = Path.of("/run/libvirtd.pid");

  private LibvirtHypervisor hypervisor;

  @BeforeEach
  void setUp() {
    // Other tests on the host restart libvirtd now and then.
    await("libvirtd answers", Duration.ofSeconds(60), LibvirtHypervisorTest::libvirtdAnswers);
    TestHost.requireReady();
    hypervisor = new LibvirtHypervisor(TestHost.LIBVIRT_URI);
  }

  @AfterEach
  void tearDown() {
    hypervisor.close();
  }

  @Test
  void aMissingDomainIsNotFound() {
    String name = "vmbt-no-such-domain";

    assertThat(hypervisor.lookup(name)).isEmpty();
    assertThat(kindOf(() -> hypervisor.domainXml(name, true))).isEqualTo(Kind.NO_DOMAIN);
    assertThat(kindOf(() -> hypervisor.start(name))).isEqualTo(Kind.NO_DOMAIN);
  }

  @Test
  void aRunningGuestIsDescribed() {
    try (TestGuest guest = TestGuest.builder("lookup").create()) {
      DomainStatus status = hypervisor.lookup(guest.name()).orElseThrow();

      assertThat(status.name()).isEqualTo(guest.name());
      assertThat(status.uuid()).isEqualTo(Commands.virsh("domuuid", guest.name()).trim());
      assertThat(status.state()).isEqualTo(DomainState.RUNNING);
      assertThat(status.persistent()).isTrue();
      assertThat(hypervisor.domainXml(guest.name(), false)).contains(guest.diskPath("vda").toString());
    }
  }

  @Test
  void theGuestAgentAnswersOnlyWhereThereIsOne() {
    try (TestGuest withAgent = TestGuest.builder("agent").create();
        TestGuest withoutAgent = TestGuest.builder("noagent").withoutAgent().create()) {
      // The agent starts with the guest's init; give it a moment to connect.
      await("the guest agent answers", Duration.ofSeconds(60), () -> hypervisor.pingAgent(withAgent.name()));
      assertThat(hypervisor.filesystemsFrozen(withAgent.name())).isFalse();

      assertThat(hypervisor.pingAgent(withoutAgent.name())).isFalse();
      assertThat(hypervisor.filesystemsFrozen(withoutAgent.name())).isFalse();
    }
  }

  /**
   * A guest that QEMU paused (a backup target it could not write) cannot answer its agent. The thaw must
   * fail instead of waiting for ever, so that the caller can resume the guest, and
   * the thaw asked again of the running guest must leave no filesystem frozen.
   */
  @Test
  void aThawOfAPausedGuestGivesUpAndSucceedsOnceTheGuestRuns() {
    try (TestGuest guest = TestGuest.builder("thaw").create()) {
      await("the guest agent answers", Duration.ofSeconds(60), () -> hypervisor.pingAgent(guest.name()));
      hypervisor.backupApi().freezeFilesystems(guest.name());
      assertThat(hypervisor.filesystemsFrozen(guest.name())).isTrue();
      Commands.virsh("suspend", guest.name());

      // libvirt refuses an agent command to a paused guest; one paused while the command is in flight
      // times out instead.
      assertThat(kindOf(() -> hypervisor.thawFilesystems(guest.name())))
          .isIn(Kind.INVALID_STATE, Kind.AGENT_UNAVAILABLE);

      hypervisor.resume(guest.name());
      await("the thaw succeeds", Duration.ofSeconds(60), () -> {
        try {
          hypervisor.thawFilesystems(guest.name());
          return true;
        } catch (HypervisorException e) {
          return false;
        }
      });
      assertThat(hypervisor.filesystemsFrozen(guest.name())).isFalse();
      guest.console().waitForNewRecords(3, Duration.ofSeconds(60));
    }
  }

  @Test
  void errorsAreClassifiedByWhatRetryingCanDo() {
    try (TestGuest guest = TestGuest.builder("errors").create()) {
      String name = guest.name();

      assertThat(kindOf(() -> hypervisor.start(name))).as("start a running domain").isEqualTo(Kind.INVALID_STATE);
      assertThat(kindOf(() -> hypervisor.define("<domain type='qemu'><name>"))).as("malformed XML")
          .isEqualTo(Kind.REFUSED);
      assertThat(hypervisor.blockJob(name, "vda")).isEmpty();

      // A commit started by an earlier attempt: starting another must say "busy", not "refused".
      String overlay = guest.diskPath("vda") + ".overlay.qcow2";
      Commands.virsh("snapshot-create-as", name, "--disk-only", "--atomic", "--no-metadata",
          "--diskspec", "vda,file=" + overlay);
      Commands.virsh("blockcommit", name, "vda", "--active", "--shallow");
      assertThat(hypervisor.blockJob(name, "vda")).isPresent();
      assertThat(kindOf(() -> hypervisor.startActiveCommit(name, "vda", 0))).isEqualTo(Kind.INVALID_STATE);

      await("the commit is ready", Duration.ofSeconds(60),
          () -> hypervisor.blockJob(name, "vda").map(job -> job.ready()).orElse(false));
      hypervisor.pivot(name, "vda");
      await("the pivot is done", Duration.ofSeconds(60), () -> hypervisor.blockJob(name, "vda").isEmpty());
      assertThat(Commands.virsh("domblklist", name)).doesNotContain(overlay);

      // libvirt calls this an invalid argument, not a state; OverlayMerger must cope with it.
      assertThat(kindOf(() -> hypervisor.pivot(name, "vda"))).as("pivot without a job").isEqualTo(Kind.REFUSED);
    }
  }

  @Test
  void theSameInstanceWorksAgainAfterLibvirtdRestarts() {
    try (TestGuest guest = TestGuest.builder("restart").create()) {
      assertThat(hypervisor.lookup(guest.name())).isPresent();
      try {
        stopLibvirtd();

        // libvirtd being away is something to retry, never a missing domain.
        HypervisorException down = catchThrowableOfType(HypervisorException.class,
            () -> hypervisor.lookup(guest.name()));
        assertThat(down).as("a lookup while libvirtd is down fails").isNotNull();
        assertThat(down.kind()).isNotIn(Kind.NO_DOMAIN, Kind.REFUSED);

        startLibvirtd();
        Optional<DomainStatus> status = Optional.empty();
        for (int attempt = 1; attempt <= 3 && status.isEmpty(); attempt++) {
          try {
            status = hypervisor.lookup(guest.name());
          } catch (HypervisorException e) {
            // The first call may find the old connection dead; it reconnects on the next.
            assertThat(e.kind()).isNotIn(Kind.NO_DOMAIN, Kind.REFUSED);
          }
        }
        assertThat(status).as("found again within three calls").isPresent();
        assertThat(status.get().state()).as("the guest ran on meanwhile").isEqualTo(DomainState.RUNNING);
        assertThat(hypervisor.domainXml(guest.name(), false)).contains(guest.name());
      } finally {
        ensureLibvirtdRuns();
      }
      guest.console().waitForNewRecords(3, Duration.ofSeconds(60));
    }
  }

  /** Stops libvirtd by its pid, as an operator or a package upgrade would; the guests keep running. */
  private static void stopLibvirtd() {
    String pid = readPid();
    Commands.ok("kill", "-TERM", pid);
    await("libvirtd has stopped", Duration.ofSeconds(60), () -> !Files.exists(Path.of("/proc", pid)));
  }

  private static void startLibvirtd() {
    Commands.ok("libvirtd", "-d");
    await("libvirtd answers again", Duration.ofSeconds(60), LibvirtHypervisorTest::libvirtdAnswers);
  }

  /** Whatever a test did, later tests need libvirtd. */
  private static void ensureLibvirtdRuns() {
    if (libvirtdAnswers()) {
      return;
    }
    boolean running = Files.exists(PID_FILE) && Files.exists(Path.of("/proc", readPid()));
    if (!running) {
      Commands.run("libvirtd", "-d");
    }
    await("libvirtd answers", Duration.ofSeconds(60), LibvirtHypervisorTest::libvirtdAnswers);
  }

  private static boolean libvirtdAnswers() {
    return Commands.tryVirsh("version").succeeded();
  }

  private static String readPid() {
    try {
      return Files.readString(PID_FILE).trim();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Kind kindOf(ThrowingCallable call) {
    HypervisorException e = catchThrowableOfType(HypervisorException.class, call);
    assertThat(e).as("a HypervisorException").isNotNull();
    return e.kind();
  }

  private static void await(String what, Duration timeout, BooleanSupplier condition) {
    Instant deadline = Instant.now().plus(timeout);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("timed out after " + timeout + " waiting until " + what);
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting until " + what, e);
      }
    }
  }
}
