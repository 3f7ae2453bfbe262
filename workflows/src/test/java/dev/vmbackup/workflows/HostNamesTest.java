package dev.vmbackup.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.vmbackup.workflows.model.BackupPolicy;
import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.HookRequest;
import dev.vmbackup.workflows.model.Hooks;
import dev.vmbackup.workflows.model.Notify;
import io.temporal.common.converter.DefaultDataConverter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Requests name the host's repositories, hooks and notifications; anything else in their place is
 * refused with a message that says why, and old payloads that carried argument lists still load (so
 * that the host can refuse them instead of a workflow failing to read its input).
 */
class HostNamesTest {
  @ParameterizedTest
  @ValueSource(strings = {"touch /tmp/x", "/usr/bin/touch", "../x", "a;b", "http://example/hook", "-rf"})
  void aCommandPathOrUrlIsNotAHookName(String given) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Validation.configName("hook", given))
        .withMessage("hooks are named in the host configuration; '" + given
            + "' is not a hook name (letters, digits and . _ + - only)");
  }

  @ParameterizedTest
  @ValueSource(strings = {"app-quiesce", "nightly_db.1", "ops+mail"})
  void namesPass(String name) {
    assertThat(Validation.configName("hook", name)).isEqualTo(name);
    assertThat(Validation.repository(name)).isEqualTo(name);
  }

  @Test
  void aRepositoryIsANameOrAnAbsolutePath() {
    assertThat(Validation.repository("/srv/backups")).isEqualTo("/srv/backups");
    assertThatIllegalArgumentException().isThrownBy(() -> Validation.repository("backups/nightly"))
        .withMessageStartingWith("repositories are named").withMessageContaining("'backups/nightly'");
    assertThatIllegalArgumentException().isThrownBy(() -> Validation.repository("/srv/../etc"));
  }

  @Test
  void aNotificationWithAWebhookOrCommandIsRefused() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Validation.notification(new Notify(null, true, "http://169.254.169.254/", null)))
        .withMessage("notifications are named in the host configuration; 'http://169.254.169.254/' is not a"
            + " notification name (give name: NAME, not webhook or command)");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Validation.notification(new Notify("ops", true, null, List.of("/bin/sh", "-c", "id"))))
        .withMessageContaining("'/bin/sh -c id' is not a notification name");
    assertThat(Validation.notification(new Notify("ops", true))).isEqualTo("ops");
  }

  @Test
  void policiesAreCheckedForNamesBeforeTheyAreScheduled() {
    BackupPolicy argv = policy(new Hooks("/bin/sh -c id", null, null), null);
    assertThatIllegalArgumentException().isThrownBy(() -> PolicyValidation.check(argv))
        .withMessageContaining("'/bin/sh -c id' is not a hook name");
    BackupPolicy webhook = policy(null, new Notify(null, false, "http://evil.example/", null));
    assertThatIllegalArgumentException().isThrownBy(() -> PolicyValidation.check(webhook))
        .withMessageContaining("'http://evil.example/' is not a notification name");
    PolicyValidation.check(policy(new Hooks("app-quiesce", "app-resume", null), new Notify("ops", true)));
  }

  @Test
  void hooksGivenAsArgumentListsStillLoadAsTheWordsTheHostWillRefuse() {
    BackupRequest request = fromJson(
        "{\"domain\":\"vm1\",\"hooks\":{\"preSnapshot\":[\"/usr/bin/touch\",\"/tmp/x\"],\"postSnapshot\":[]}}",
        BackupRequest.class);
    assertThat(request.hooks().preSnapshot()).isEqualTo("/usr/bin/touch /tmp/x");
    assertThat(request.hooks().postSnapshot()).isNull();

    HookRequest old = fromJson("{\"phase\":\"pre-snapshot\",\"domain\":\"vm1\",\"command\":[\"/bin/true\"]}",
        HookRequest.class);
    assertThat(old.hook()).isEqualTo("/bin/true");

    BackupRequest named = fromJson("{\"domain\":\"vm1\",\"hooks\":{\"preSnapshot\":\"app-quiesce\"}}",
        BackupRequest.class);
    assertThat(named.hooks().preSnapshot()).isEqualTo("app-quiesce");
  }

  @Test
  void aPolicyWithAWebhookStillLoadsSoThatItCanBeRefused() {
    BackupPolicy policy = fromJson("{\"name\":\"p\",\"domains\":[\"a\"],\"notification\":"
        + "{\"webhook\":\"http://x/\",\"command\":[\"/bin/id\"],\"onSuccess\":true}}", BackupPolicy.class);
    assertThat(policy.notification().webhook()).isEqualTo("http://x/");
    assertThat(policy.notification().command()).containsExactly("/bin/id");
  }

  /** Through Temporal's own converter, as the worker reads workflow and activity inputs. */
  private static <T> T fromJson(String json, Class<T> type) {
    var converter = DefaultDataConverter.STANDARD_INSTANCE;
    var payload = io.temporal.api.common.v1.Payload.newBuilder()
        .putMetadata("encoding", com.google.protobuf.ByteString.copyFromUtf8("json/plain"))
        .setData(com.google.protobuf.ByteString.copyFrom(json, StandardCharsets.UTF_8)).build();
    return converter.fromPayload(payload, type, type);
  }

  private static BackupPolicy policy(Hooks hooks, Notify notify) {
    return new BackupPolicy("nightly", List.of("a"), null, "h1", null, null, null, null, null, null, hooks, notify);
  }
}
