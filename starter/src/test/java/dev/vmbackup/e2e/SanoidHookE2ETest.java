package dev.vmbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.testing.Commands;
import dev.vmbackup.testing.DiskContent;
import dev.vmbackup.testing.GuestRecord;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.testing.TestHost;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code vmbackup hook} as sanoid's pre/post-snapshot scripts. ZFS is not available here, so the ZFS
 * snapshot between the two hooks is played by a copy of the dataset's files; what matters is that this
 * copy is memory-consistent: rolled back to it, the VM resumes from the saved memory where it was.
 */
class SanoidHookE2ETest {
  @Test
  void theSnapshotBetweenTheHooksResumesTheVmWhereItWas() throws Exception {
    TestHost.requireReady();
    try (TestGuest guest = TestGuest.builder("sanoid").create()) {
      Path dataset = guest.dir();
      Path memoryDir = dataset.resolveSibling("sanoid-memory");
      Map<String, String> sanoid = Map.of("SANOID_TARGET", "tank/vms", "SANOID_SNAPNAME", "autosnap_2026-11-26_00:00:01_hourly");

      CliResult pre = hook(sanoid, "pre-snapshot", "--path", dataset.toString(), "--memory-dir", memoryDir.toString());
      assertThat(pre.exitCode()).as(pre.toString()).isZero();
      Path overlay = Path.of(guest.diskPath("vda") + ".vmbackup-sanoid-autosnap_2026-11-26_00_00_01_hourly.qcow2");
      assertThat(Invariants.blockList(guest.name(), false)).containsEntry("vda", overlay.toString());
      Path memory = dataset.resolve(guest.name() + ".vmbackup-sanoid-autosnap_2026-11-26_00_00_01_hourly.memory");
      assertThat(memory).exists();

      // "zfs snapshot": the dataset's files as they are now.
      Path snapshot = dataset.resolveSibling("zfs-snapshot");
      Files.createDirectories(snapshot);
      Commands.ok("cp", "--sparse=always", guest.diskPath("vda").toString(), memory.toString(), snapshot.toString());

      CliResult post = hook(sanoid, "post-snapshot", "--path", dataset.toString(), "--memory-dir", memoryDir.toString());
      assertThat(post.exitCode()).as(post.toString()).isZero();
      Invariants.assertVmClean(guest, "running");
      assertThat(memory).doesNotExist();
      assertThat(memoryDir.resolve(guest.name()).resolve(memory.getFileName())).exists();
      GuestRecord beforeRollback = guest.console().waitForNewRecords(10, Duration.ofSeconds(60));

      // "zfs rollback": the snapshot's image back in place, then the VM resumed from the snapshot's memory.
      Commands.virsh("destroy", guest.name());
      Commands.ok("cp", "--sparse=always", snapshot.resolve("vda.qcow2").toString(), guest.diskPath("vda").toString());
      Commands.virsh("restore", snapshot.resolve(memory.getFileName()).toString());
      GuestRecord resumed = guest.console().waitForNewRecords(3, Duration.ofSeconds(60));
      assertThat(resumed.boot()).as("the same boot goes on").isEqualTo(beforeRollback.boot());
      Commands.virsh("destroy", guest.name());
      DiskContent disk = DiskContent.read(guest.diskPath("vda"), "qcow2").assertIntact();
      assertThat(disk.records().stream().map(GuestRecord::boot).distinct().toList()).containsExactly(resumed.boot());
    }
  }

  @Test
  void withoutADatasetItSaysWhatItNeeds() throws Exception {
    CliResult run = hook(Map.of(), "pre-snapshot");
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stderr().strip()).isEqualTo("vmbackup: no dataset: run me from sanoid (SANOID_TARGET) or give --path DIR");
  }

  private static CliResult hook(Map<String, String> environment, String... arguments) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("hook"));
    command.addAll(List.of(arguments));
    Process process = JavaProcess.vmbackup(command, environment).start();
    assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
    return new CliResult(process.exitValue(),
        new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
        new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
  }
}
