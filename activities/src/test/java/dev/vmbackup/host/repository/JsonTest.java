package dev.vmbackup.host.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.ManifestFile;
import dev.vmbackup.workflows.model.Strategy;
import dev.vmbackup.workflows.model.Verification;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void enumsUseTheirWireNames() throws Exception {
    for (CaptureMode mode : CaptureMode.values()) {
      String json = Json.MAPPER.writeValueAsString(mode);
      assertThat(json).isEqualTo("\"" + mode.wireName() + "\"");
      assertThat(Json.MAPPER.readValue(json, CaptureMode.class)).isEqualTo(mode);
    }
    assertThat(Json.MAPPER.writeValueAsString(Strategy.FULL)).isEqualTo("\"full\"");
    assertThat(Json.MAPPER.readValue("\"FULL\"", Strategy.class)).isEqualTo(Strategy.FULL);
  }

  @Test
  void anUnknownEnumSpellingIsRejected() {
    assertThatThrownBy(() -> Json.MAPPER.readValue("\"snapshot\"", CaptureMode.class))
        .isInstanceOf(ValueInstantiationException.class)
        .hasMessageContaining("unknown capture mode 'snapshot'");
  }

  @Test
  void recordsRoundTripAndOutputIsIndented() throws Exception {
    ManifestFile file = new ManifestFile("domain.xml", 1234, "ab".repeat(32));

    String json = Json.MAPPER.writeValueAsString(file);

    assertThat(json).contains("\n  \"file\" : \"domain.xml\"");
    assertThat(Json.MAPPER.readValue(json, ManifestFile.class)).isEqualTo(file);
  }

  @Test
  void nullsAreLeftOut() throws Exception {
    JsonNode tree = Json.MAPPER.readTree(Json.MAPPER.writeValueAsString(new ManifestFile("x", 1, null)));

    assertThat(tree.has("sha256")).isFalse();
    assertThat(tree.has("file")).isTrue();
  }

  @Test
  void unknownPropertiesAreIgnored() throws Exception {
    Verification read = Json.MAPPER.readValue(
        "{\"at\": \"2026-11-22T22:15:00Z\", \"ok\": true, \"addedByANewerVersion\": {\"x\": 1}}", Verification.class);

    assertThat(read).isEqualTo(new Verification("2026-11-22T22:15:00Z", true));
  }
}
