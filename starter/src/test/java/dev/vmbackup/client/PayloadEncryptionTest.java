package dev.vmbackup.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.vmbackup.starter.Main;
import dev.vmbackup.worker.AesGcmPayloadCodec;
import dev.vmbackup.worker.PayloadKey;
import dev.vmbackup.worker.TemporalConnection;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.payload.codec.PayloadCodecException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The payload codec (AES-256-GCM) and its key file: what an encrypted payload shows, what it refuses, and
 * that payloads written without a key still read.
 */
class PayloadEncryptionTest {
  private static final Map<String, String> INPUT = Map.of("domain", "vm-secret-name", "repository", "/srv/secret/repo");

  @TempDir Path dir;

  @Test
  void aValueRoundTripsAndItsEncryptedFormShowsNeitherItNorItsEncoding() throws Exception {
    DataConverter converter = connection(keyFile("k")).dataConverter();

    Payloads encoded = converter.toPayloads(INPUT).orElseThrow();

    Payload payload = encoded.getPayloads(0);
    assertThat(payload.getMetadataMap()).containsOnlyKeys("encoding", "encryption-key-id");
    assertThat(payload.getMetadataOrThrow("encoding").toStringUtf8()).isEqualTo("binary/encrypted");
    assertThat(payload.getMetadataOrThrow("encryption-key-id").toStringUtf8())
        .isEqualTo(PayloadKey.read(dir.resolve("k")).id()).hasSize(16);
    byte[] key = java.util.Base64.getDecoder().decode(Files.readString(dir.resolve("k")).strip());
    assertThat(PayloadKey.read(dir.resolve("k")).id()).isEqualTo(java.util.HexFormat.of().formatHex(
        java.security.MessageDigest.getInstance("SHA-256").digest(key), 0, 8));
    // A 12-byte nonce, then the ciphertext of the whole original payload, then the 16-byte GCM tag.
    Payload original = DefaultDataConverter.newDefaultInstance().toPayloads(INPUT).orElseThrow().getPayloads(0);
    assertThat(payload.getData().size()).isEqualTo(12 + original.getSerializedSize() + 16);
    String raw = encoded.toByteString().toString(StandardCharsets.ISO_8859_1);
    assertThat(raw).doesNotContain("vm-secret-name").doesNotContain("/srv/secret").doesNotContain("json/plain");
    assertThat(converter.fromPayloads(0, Optional.of(encoded), Map.class, Map.class)).isEqualTo(INPUT);
  }

  @Test
  void eachEncryptionUsesItsOwnNonce() throws Exception {
    AesGcmPayloadCodec codec = codec(keyFile("k"));
    Payload plain = DefaultDataConverter.STANDARD_INSTANCE.toPayload(INPUT).orElseThrow();

    assertThat(codec.encode(List.of(plain)).get(0).getData()).isNotEqualTo(codec.encode(List.of(plain)).get(0).getData());
  }

  @Test
  void aTamperedCiphertextIsRefusedNamingTheKeyId() throws Exception {
    AesGcmPayloadCodec codec = codec(keyFile("k"));
    Payload encrypted = codec.encode(List.of(DefaultDataConverter.STANDARD_INSTANCE.toPayload(INPUT).orElseThrow())).get(0);
    byte[] data = encrypted.getData().toByteArray();
    data[data.length / 2] ^= 1;
    Payload tampered = encrypted.toBuilder().setData(ByteString.copyFrom(data)).build();

    assertThatThrownBy(() -> codec.decode(List.of(tampered)))
        .isInstanceOf(PayloadCodecException.class)
        .hasMessage("a payload encrypted with key " + codec.keyId() + " fails authentication: it was altered, or"
            + " encrypted with another key of the same id");
  }

  @Test
  void aPayloadOfAnotherKeyIsRefusedNamingBothKeyIdsAndNeitherKey() throws Exception {
    Path first = keyFile("first");
    Path second = keyFile("second");
    Payloads encoded = connection(first).dataConverter().toPayloads(INPUT).orElseThrow();
    String firstId = PayloadKey.read(first).id();
    String secondId = PayloadKey.read(second).id();

    assertThatThrownBy(() -> connection(second).dataConverter().fromPayloads(0, Optional.of(encoded), Map.class, Map.class))
        .isInstanceOf(PayloadCodecException.class)
        .hasMessage("the payload is encrypted with key " + firstId + ", but this process has the payload key "
            + secondId + ": give the matching --payload-key-file")
        .message().doesNotContain(Files.readString(first).strip()).doesNotContain(Files.readString(second).strip());
  }

  @Test
  void aPayloadInClearPassesThroughUnchanged() throws Exception {
    Payload plain = DefaultDataConverter.STANDARD_INSTANCE.toPayload(INPUT).orElseThrow();
    DataConverter converter = connection(keyFile("k")).dataConverter();

    assertThat(codec(dir.resolve("k")).decode(List.of(plain))).containsExactly(plain);
    assertThat(converter.fromPayloads(0, Optional.of(Payloads.newBuilder().addPayloads(plain).build()), Map.class,
        Map.class)).isEqualTo(INPUT);
  }

  @Test
  void withoutAKeyFileTheConverterIsTemporalsDefault() {
    TemporalConnection plain = TemporalConnection.plain("t:7233", "default");
    assertThat(plain.payloadCodec()).isEmpty();
    assertThat(plain.dataConverter().toPayloads(INPUT).orElseThrow().getPayloads(0).getMetadataOrThrow("encoding")
        .toStringUtf8()).isEqualTo("json/plain");
    assertThat(connection(dir.resolve("k")).describe()).isEqualTo("Temporal at t:7233, payloads encrypted");
  }

  @Test
  void aKeyFileOthersMayReadIsRefusedInOneLine() throws Exception {
    Path file = keyFile("k");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

    assertThatThrownBy(() -> PayloadKey.read(file))
        .hasMessage("--payload-key-file " + file + " may be read by group or others (mode rw-r--r--): chmod 600 " + file);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
    assertThatThrownBy(() -> connection(file).dataConverter()).hasMessageContaining("chmod 600");
  }

  @Test
  void aKeyFileThatIsNotAKeyIsRefusedInOneLine() throws Exception {
    Path shortKey = Files.writeString(dir.resolve("short"), "c2hvcnQ=\n");
    Files.setPosixFilePermissions(shortKey, PosixFilePermissions.fromString("rw-------"));
    Path missing = dir.resolve("missing");

    assertThatThrownBy(() -> PayloadKey.read(shortKey)).hasMessage("--payload-key-file " + shortKey
        + " holds 5 bytes; a payload key is 32 (make one with: vmbackup key create FILE)");
    assertThatThrownBy(() -> PayloadKey.read(missing)).hasMessage("cannot read --payload-key-file " + missing
        + ": no such file");
  }

  @Test
  void keyCreateWritesAnOwnerOnlyKeyAndNeverOverwritesOne() throws Exception {
    Path file = dir.resolve("payload.key");

    assertThat(Main.run("key", "create", file.toString())).isZero();
    String key = Files.readString(file);
    assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(java.util.Base64.getDecoder().decode(key.strip())).hasSize(32);

    assertThat(Main.run("key", "create", file.toString())).isEqualTo(1);
    assertThat(Files.readString(file)).isEqualTo(key);
    assertThatThrownBy(() -> PayloadKey.create(file)).hasMessage(file + " already exists; a payload key is never"
        + " overwritten (payloads encrypted under it could no longer be read): choose another file");
  }

  private Path keyFile(String name) {
    Path file = dir.resolve(name);
    PayloadKey.create(file);
    return file;
  }

  private static TemporalConnection connection(Path keyFile) {
    return TemporalConnection.plain("t:7233", "default").withPayloadKeyFile(keyFile);
  }

  private static AesGcmPayloadCodec codec(Path keyFile) {
    return connection(keyFile).payloadCodec().orElseThrow();
  }
}
