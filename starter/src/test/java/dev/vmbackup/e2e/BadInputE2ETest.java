package dev.vmbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.host.guest.TinyGuest.Disk;
import dev.vmbackup.testing.Commands;
import dev.vmbackup.testing.TestGuest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input gets one clear line on stderr and a non-zero exit, and changes nothing: the VM is
 * untouched and nothing partial is listed.
 */
class BadInputE2ETest extends EndToEndTest {
  @Test
  void anUnknownDomainIsNamedInTheError() {
    CliResult run = cli("backup", "no-such-vm-here");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stderr().strip()).isEqualTo("vmbackup: domain no-such-vm-here not found on host " + host);
    Invariants.assertNoPartialBackups(repository);
  }

  static Stream<Arguments> badNames() {
    return Stream.of(
        Arguments.of((Object) new String[] {"backup", "../etc"}),
        Arguments.of((Object) new String[] {"backup", "vm/one"}),
        Arguments.of((Object) new String[] {"backup", "vm;rm -rf /"}),
        Arguments.of((Object) new String[] {"restore", "vm1", "../../etc", "--as", "x"}),
        Arguments.of((Object) new String[] {"restore", "vm1", "20261122T221500Z", "--as", "a/../b"}),
        Arguments.of((Object) new String[] {"verify", "..", "20261122T221500Z"}),
        Arguments.of((Object) new String[] {"list", "vm/.."}));
  }

  @ParameterizedTest
  @MethodSource("badNames")
  void namesWithSlashesOrDotDotAreRefusedBeforeAnythingStarts(String[] arguments) {
    CliResult run = cli(arguments);

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stderr().strip()).startsWith("vmbackup: ").contains("not").doesNotContain("\n");
    assertThat(run.stdout()).isEmpty();
    Invariants.assertNoPartialBackups(repository);
  }

  @Test
  void aRepositoryThatCannotBeWrittenIsReportedAndTheVmIsUntouched() throws Exception {
    try (TestGuest guest = TestGuest.builder("rorepo").create()) {
      Path readOnly = scratch.resolve("read-only");
      Files.createDirectories(readOnly);
      Commands.ok("mount", "-t", "tmpfs", "-o", "size=1m,ro", "tmpfs", readOnly.toString());
      try {
        CliResult run = cli("backup", guest.name(), "--repository", readOnly.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.stderr().strip()).contains(readOnly.toString()).contains("writable").doesNotContain("\n");
        Invariants.assertVmClean(guest, "running");
      } finally {
        Commands.run("umount", readOnly.toString());
      }
    }
  }

  @Test
  void aRepositoryThatFillsUpMidCopyIsReportedAndNothingPartialIsLeft() throws Exception {
    try (TestGuest guest = TestGuest.builder("full").disk(Disk.qcow2("vda").withBallast(48)).create()) {
      Path image = scratch.resolve("small-fs.img");
      Path small = scratch.resolve("small repository");
      Files.createDirectories(small);
      Commands.ok("truncate", "-s", "24M", image.toString());
      Commands.ok("mkfs.ext4", "-q", "-F", image.toString());
      Commands.ok("mount", "-o", "loop", image.toString(), small.toString());
      try {
        CliResult run = cli("backup", guest.name(), "--repository", small.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.stderr().strip()).contains("No space left on device").doesNotContain("\n");
        Invariants.assertVmClean(guest, "running");
        Invariants.assertNoPartialBackups(small);
        CliResult list = cli("list", guest.name(), "--repository", small.toString());
        assertThat(list.stdout()).contains("no backups");
      } finally {
        Commands.run("umount", small.toString());
      }
    }
  }

  @Test
  void aRestoreOfABackupThatDoesNotExistSaysSo() {
    CliResult run = cli("restore", "vm1", "20200101T000000Z", "--as", "vm1-copy");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stderr().strip()).contains("no backup 20200101T000000Z of vm1").doesNotContain("\n");
    assertThat(Commands.tryVirsh("dominfo", "vm1-copy").succeeded()).isFalse();
  }

}
