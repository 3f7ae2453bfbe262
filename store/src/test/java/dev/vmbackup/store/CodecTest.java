package dev.vmbackup.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.Zstd;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Envelopes sealed with the per-thread scratch array and the sliced AES-GCM are the format's envelopes:
 * a single-shot reference decryption (the format as docs/store-format.md describes it) opens them, and
 * so does {@link Codec#open}.
 */
class CodecTest {
  @ParameterizedTest
  @ValueSource(ints = {0, 1, 15, 4095, 4096, 4097, 8192, 65536 + 3, 262144})
  void slicedEncryptionIsTheFormatsEnvelope(int length) throws Exception {
    StoreKey key = StoreKey.of(new byte[32]);
    Codec codec = new Codec(key, 3);
    for (boolean compressible : new boolean[] {false, true}) {
      byte[] plain = new byte[length + 7];
      if (compressible) {
        Arrays.fill(plain, (byte) 'x');
      } else {
        new Random(length).nextBytes(plain);
      }
      String objectKey = "chunks/ab/ab" + length;
      byte[] sealed = codec.seal(objectKey, plain, length);
      assertThat(sealed[0]).isEqualTo((byte) 1);
      int flags = sealed[1];
      assertThat(flags & 2).as("encrypted flag").isEqualTo(2);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key.encryptionKey(), new GCMParameterSpec(128, sealed, 6, 12));
      cipher.updateAAD(sealed, 0, 6);
      cipher.updateAAD(objectKey.getBytes(StandardCharsets.UTF_8));
      byte[] payload = cipher.doFinal(sealed, 18, sealed.length - 18);
      byte[] decoded = (flags & 1) != 0 ? Zstd.decompress(payload, length) : payload;
      assertThat(decoded).isEqualTo(Arrays.copyOf(plain, length));
      assertThat(codec.open(objectKey, sealed)).isEqualTo(Arrays.copyOf(plain, length));
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 4096, 262144})
  void unencryptedEnvelopesHoldTheRawOrZstdPayload(int length) {
    Codec codec = new Codec(null, 3);
    byte[] random = new byte[length];
    new Random(length).nextBytes(random);
    byte[] sealed = codec.seal("chunks/cd/cd", random, length);
    assertThat(sealed.length).isEqualTo(6 + length);
    assertThat(sealed[1]).as("incompressible data is stored as it is").isEqualTo((byte) 0);
    assertThat(Arrays.copyOfRange(sealed, 6, sealed.length)).isEqualTo(random);
    byte[] zeros = new byte[length];
    // A larger object first, so that the scratch array is longer than the next payload.
    codec.seal("chunks/cd/big", new byte[1 << 20], 1 << 20);
    byte[] small = codec.seal("chunks/cd/cd", zeros, length);
    assertThat(codec.open("chunks/cd/cd", small)).isEqualTo(zeros);
  }
}
