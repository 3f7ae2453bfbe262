package dev.vmbackup.starter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmbackup.workflows.model.BackupPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code policy create} reads fleet policies and refuses invalid ones before it reaches Temporal. */
class PolicyCommandTest {
  @TempDir Path dir;

  private static PolicyCommand.Create create(String... arguments) {
    String[] all = new String[arguments.length + 2];
    all[0] = "policy";
    all[1] = "create";
    System.arraycopy(arguments, 0, all, 2, arguments.length);
    CommandLine.ParseResult parsed = VmbackupCommand.commandLine(all).parseArgs(all);
    return (PolicyCommand.Create) parsed.subcommand().subcommand().commandSpec().userObject();
  }

  @Test
  void aFleetPolicyFileReadsItsHostsLimitSpreadAndInventoryTimeout() throws IOException {
    Path file = Files.writeString(dir.resolve("fleet.yaml"), String.join("\n",
        "name: fleet-nightly",
        "domainGlob: 'web-*'",
        "hosts: [hv1, 'hv2*']",
        "maxConcurrentPerHost: 2",
        "maxConcurrent: 10",
        "startSpreadSeconds: 900",
        "inventorySeconds: 45",
        "schedule: {cron: ['0 2 * * *']}",
        ""));

    BackupPolicy policy = create("--file", file.toString()).fromFile();

    assertThat(policy.fleet()).isTrue();
    assertThat(policy.hosts()).isEqualTo(List.of("hv1", "hv2*"));
    assertThat(policy.maxConcurrent()).isEqualTo(10);
    assertThat(policy.startSpreadSeconds()).isEqualTo(900);
    assertThat(policy.inventoryPickup().toSeconds()).isEqualTo(45);
  }

  @Test
  void aPolicyFileWithoutFleetFieldsIsAPolicyOfOneHostAsBefore() throws IOException {
    Path file = Files.writeString(dir.resolve("old.json"),
        "{\"name\":\"old\",\"domains\":[\"vm-1\"],\"host\":\"hv1\",\"schedule\":{\"every\":\"1h\"}}");

    BackupPolicy policy = create("--file", file.toString()).fromFile();

    assertThat(policy.fleet()).isFalse();
    assertThat(policy.hosts()).isEmpty();
    assertThat(policy.maxConcurrent()).isNull();
  }

  @Test
  void hostAndHostsTogetherAreRefusedInOneLine() throws IOException {
    Path file = Files.writeString(dir.resolve("both.yaml"),
        "name: both\ndomains: [vm-1]\nhost: hv1\nhosts: [hv2]\nschedule: {every: 1h}\n");

    assertThatThrownBy(() -> create("--file", file.toString()).call()).isInstanceOf(UserError.class)
        .hasMessage("policy both: give either host or hosts");
    assertThatThrownBy(() -> create("both", "--domain", "vm-1", "--every", "1h", "--host", "hv1", "--hosts", "hv2,hv3")
        .call()).isInstanceOf(UserError.class).hasMessage("policy both: give either host or hosts");
    assertThatThrownBy(() -> create("one", "--domain", "vm-1", "--every", "1h", "--fleet-max-concurrent", "3").call())
        .isInstanceOf(UserError.class).hasMessage(
            "policy one: maxConcurrent limits a fleet policy (hosts); a policy of one host has maxConcurrentPerHost");
  }
}
