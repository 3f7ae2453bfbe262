package dev.vmbackup.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmbackup.host.config.HostConfig;
import dev.vmbackup.workflows.FailureType;
import dev.vmbackup.workflows.model.Hooks;
import dev.vmbackup.workflows.model.Notify;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host resolves names against its own configuration and refuses the rest as INVALID_INPUT. */
class HostAuthorityTest {
  private static final HostConfig CONFIG = new HostConfig(
      Map.of("local", new HostConfig.Repository(null, "/srv/backups")), null, List.of("/var/tmp/scratch"),
      Map.of("quiesce", new HostConfig.Hook(List.of("/bin/true"), null, null)),
      Map.of("ops", new HostConfig.Notification("http://127.0.0.1:1/", null, null)), null);
  private final HostAuthority authority =
      new HostAuthority(new HostSettings("hv1", Path.of("/tmp/state"), "qemu:///system", 0, 0, CONFIG));

  @Test
  void namesResolveToWhatTheHostDefines() {
    assertThat(authority.repository(null)).isEqualTo(Path.of("/srv/backups"));
    assertThat(authority.repository("local")).isEqualTo(Path.of("/srv/backups"));
    assertThat(authority.repository("/var/tmp/scratch/repo")).isEqualTo(Path.of("/var/tmp/scratch/repo"));
    assertThat(authority.hook("quiesce").command()).containsExactly("/bin/true");
    assertThat(authority.notification(new Notify("ops", true)).webhook()).isEqualTo("http://127.0.0.1:1/");
  }

  @Test
  void unknownNamesAreRefusedNamingTheNameAndTheHost() {
    assertRefused(() -> authority.hook("nope"), "hook 'nope' is not defined on host hv1 (it defines quiesce)");
    assertRefused(() -> authority.repository("offsite"),
        "repository 'offsite' is not defined on host hv1 (it defines local)");
    assertRefused(() -> authority.notification(new Notify("pager", true)),
        "notification 'pager' is not defined on host hv1 (it defines ops)");
    assertRefused(() -> authority.checkHooks(new Hooks("quiesce", "resume", null)),
        "hook 'resume' is not defined on host hv1 (it defines quiesce)");
  }

  @Test
  void pathsOutsideTheAllowedDirectoriesAreRefused() {
    assertRefused(() -> authority.repository("/etc"), "repositories are named in the host configuration; '/etc' is"
        + " not a repository name, and host hv1 allows no repository path there (allowRepositoryPaths)");
    assertRefused(() -> authority.repository("/var/tmp/scratchy"), "'/var/tmp/scratchy' is not a repository name");
  }

  @Test
  void aSymbolicLinkCannotLeadARepositoryOutOfAnAllowedDirectory(@TempDir Path dir) throws Exception {
    Path allowed = Files.createDirectories(dir.resolve("allowed"));
    Files.createSymbolicLink(allowed.resolve("escape"), Files.createDirectories(dir.resolve("elsewhere")));
    HostAuthority host = new HostAuthority(new HostSettings("hv1", dir, "qemu:///system", 0, 0,
        new HostConfig(null, null, List.of(allowed.toString()), null, null, null).withRepositoryIfNone(dir)));

    assertThat(host.repository(allowed.resolve("repo/new").toString())).isEqualTo(allowed.resolve("repo/new"));
    assertRefused(() -> host.repository(allowed.resolve("escape/repo").toString()), "is not a repository name");
  }

  @Test
  void commandsAndUrlsAreRefusedAsNames() {
    assertThatThrownBy(() -> ActivityBoundary.run("hook", () -> authority.hook("/usr/bin/touch /tmp/x")))
        .hasMessageContaining("hooks are named in the host configuration; '/usr/bin/touch /tmp/x' is not a hook name")
        .satisfies(e -> assertThat(((io.temporal.failure.ApplicationFailure) e).getType())
            .isEqualTo(FailureType.INVALID_INPUT.name()));
    assertThatThrownBy(() -> authority.notification(new Notify(null, true, "http://169.254.169.254/", null)))
        .hasMessageContaining("'http://169.254.169.254/' is not a notification name");
  }

  private static void assertRefused(Runnable action, String message) {
    assertThatThrownBy(action::run).isInstanceOf(HostFailure.class).hasMessageContaining(message)
        .satisfies(e -> assertThat(((HostFailure) e).type()).isEqualTo(FailureType.INVALID_INPUT));
  }
}
