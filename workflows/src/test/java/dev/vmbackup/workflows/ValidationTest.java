package dev.vmbackup.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** Names and paths from users end up in file paths and queue names; only a safe alphabet may pass. */
class ValidationTest {
  @ParameterizedTest
  @ValueSource(strings = {"vm1", "vm-001", "web_01.example+test", "9lives", "a"})
  void acceptsConservativeDomainNames(String name) {
    assertThat(Validation.domainName("domain", name)).isEqualTo(name);
  }

  @Test
  void acceptsDomainNamesUpTo128Characters() {
    assertThat(Validation.domainName("domain", "v".repeat(128))).hasSize(128);
    assertThatIllegalArgumentException().isThrownBy(() -> Validation.domainName("domain", "v".repeat(129)));
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {" ", "\t"})
  void requiresADomainName(String name) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Validation.domainName("domain", name))
        .withMessage("domain is required");
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "../etc", "a/b", "/vm1", "..", "a..b", ".hidden", "-rf", "+x", "vm 1", "vm1;rm", "vm$1", "vm\u00e9",
    "vm\n1", "vm\u00001", "vm\u007f"
  })
  void rejectsDomainNamesThatCouldBeMisread(String name) {
    assertThatIllegalArgumentException().isThrownBy(() -> Validation.domainName("domain", name));
  }

  @Test
  void messageShowsControlCharactersAsQuestionMarks() {
    // A newline in a log or terminal message could forge a second line.
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Validation.domainName("domain", "vm\n1\u0000"))
        .withMessageStartingWith("domain 'vm?1?' is not allowed");
  }

  @ParameterizedTest
  @ValueSource(strings = {"h1", "kvm-01.example.org", "host_2"})
  void acceptsHostNames(String name) {
    assertThat(Validation.hostName(name)).isEqualTo(name);
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"../h1", "a/b", ".h1", "-h1", "a..b", "h 1", "h1\n", "h\u00001"})
  void rejectsHostNames(String name) {
    assertThatIllegalArgumentException().isThrownBy(() -> Validation.hostName(name));
  }

  @Test
  void acceptsBackupIds() {
    assertThat(Validation.backupId("20261122T221500Z")).isEqualTo("20261122T221500Z");
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"2026/../x", "../20261122T221500Z", "20261122T221500", "20261122t221500z",
    "20261122T221500Z\n", " 20261122T221500Z", "2026-11-22T22:15:00Z"})
  void rejectsBackupIds(String id) {
    assertThatIllegalArgumentException().isThrownBy(() -> Validation.backupId(id));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/", "/srv/backups", "/srv/vm backups", "/srv/.hidden/x", "/srv/x..y"})
  void acceptsAbsoluteNormalizedPaths(String path) {
    assertThat(Validation.absolutePath("repository", path)).isEqualTo(path);
  }

  @Test
  void returnsRedundantSlashesNormalized() {
    // Path.of already drops doubled and trailing slashes; they are harmless, so they are accepted.
    assertThat(Validation.absolutePath("repository", "/srv//backups/")).isEqualTo("/srv/backups");
  }

  @ParameterizedTest
  @ValueSource(strings = {"backups", "./backups", "../backups", "~/backups"})
  void rejectsRelativePaths(String path) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Validation.absolutePath("repository", path))
        .withMessageContaining("must be an absolute path");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/srv/../etc", "/srv/..", "/..", "/srv/./backups", "/srv/backups/."})
  void rejectsDotSegments(String path) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Validation.absolutePath("repository", path))
        .withMessageContaining("must not contain '.' or '..' segments");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/srv/back\nups", "/srv/\u0000", "/srv/\u001b[2Jx", "/srv/x\u007f"})
  void rejectsControlCharacters(String path) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Validation.absolutePath("repository", path))
        .withMessageContaining("contains a control character")
        .withMessageNotContaining("\n");
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"  "})
  void requiresAPath(String path) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Validation.absolutePath("repository", path))
        .withMessage("repository is required");
  }
}
