package dev.vmbackup.worker;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.temporal.api.common.v1.Payload;
import io.temporal.payload.codec.PayloadCodec;
import io.temporal.payload.codec.PayloadCodecException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Encrypts each payload with AES-256-GCM under a {@link PayloadKey}, so that the Temporal database and
 * its UI hold no hostnames, paths or hook output in clear.
 *
 * <p>The plaintext is the whole original {@link Payload} in protobuf form, so its metadata (the encoding,
 * which says what kind of value it is) is hidden too. The encrypted payload carries the metadata
 * {@code encoding: binary/encrypted} and {@code encryption-key-id: ID}, and as data a fresh random 12-byte
 * nonce followed by the ciphertext and its 16-byte tag. The key id is also the GCM associated data, so a
 * payload cannot be passed off as one of another key.
 *
 * <p>Decoding passes a payload without {@code binary/encrypted} through unchanged: histories recorded
 * before the codec was configured stay readable and replayable. A payload of an unknown key id, or one
 * that fails authentication, is a {@link PayloadCodecException} naming the key id, never the key.
 */
public final class AesGcmPayloadCodec implements PayloadCodec {
  /** The metadata key and value that mark an encrypted payload. */
  public static final String ENCODING = "encoding";
  public static final String ENCRYPTED = "binary/encrypted";
  public static final String KEY_ID = "encryption-key-id";

  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final ByteString ENCRYPTED_BYTES = ByteString.copyFromUtf8(ENCRYPTED);

  private final PayloadKey key;
  private final SecureRandom random = new SecureRandom();

  public AesGcmPayloadCodec(PayloadKey key) {
    this.key = key;
  }

  /** The id of the key this codec encrypts with. */
  public String keyId() {
    return key.id();
  }

  @Override
  public List<Payload> encode(List<Payload> payloads) {
    List<Payload> encoded = new ArrayList<>(payloads.size());
    for (Payload payload : payloads) {
      encoded.add(encrypt(payload));
    }
    return encoded;
  }

  @Override
  public List<Payload> decode(List<Payload> payloads) {
    List<Payload> decoded = new ArrayList<>(payloads.size());
    for (Payload payload : payloads) {
      decoded.add(isEncrypted(payload) ? decrypt(payload) : payload);
    }
    return decoded;
  }

  /** Whether the payload is one this kind of codec encrypted (under any key). */
  public static boolean isEncrypted(Payload payload) {
    return ENCRYPTED_BYTES.equals(payload.getMetadataMap().get(ENCODING));
  }

  private Payload encrypt(Payload payload) {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher cipher = cipher(Cipher.ENCRYPT_MODE, nonce);
      byte[] sealed = cipher.doFinal(payload.toByteArray());
      return Payload.newBuilder()
          .putMetadata(ENCODING, ENCRYPTED_BYTES)
          .putMetadata(KEY_ID, ByteString.copyFromUtf8(key.id()))
          .setData(ByteString.copyFrom(ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).flip()))
          .build();
    } catch (GeneralSecurityException e) {
      throw new PayloadCodecException("cannot encrypt a payload with key " + key.id() + ": " + e.getMessage(), e);
    }
  }

  private Payload decrypt(Payload payload) {
    ByteString idBytes = payload.getMetadataMap().get(KEY_ID);
    String id = idBytes == null ? "" : idBytes.toString(StandardCharsets.UTF_8);
    if (!id.equals(key.id())) {
      throw failure("the payload is encrypted with key " + (id.isEmpty() ? "(no key id)" : id)
          + ", but this process has the payload key " + key.id() + ": give the matching --payload-key-file");
    }
    byte[] data = payload.getData().toByteArray();
    if (data.length < NONCE_BYTES + TAG_BITS / 8) {
      throw failure("a payload encrypted with key " + id + " is too short to be one: it was altered");
    }
    try {
      Cipher cipher = cipher(Cipher.DECRYPT_MODE, java.util.Arrays.copyOf(data, NONCE_BYTES));
      return Payload.parseFrom(cipher.doFinal(data, NONCE_BYTES, data.length - NONCE_BYTES));
    } catch (javax.crypto.AEADBadTagException e) {
      throw failure("a payload encrypted with key " + id + " fails authentication: it was altered, or encrypted"
          + " with another key of the same id");
    } catch (GeneralSecurityException | InvalidProtocolBufferException e) {
      throw failure("cannot decrypt a payload encrypted with key " + id + ": " + e.getMessage());
    }
  }

  private Cipher cipher(int mode, byte[] nonce) throws GeneralSecurityException {
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(mode, key.key(), new GCMParameterSpec(TAG_BITS, nonce));
    cipher.updateAAD(key.id().getBytes(StandardCharsets.UTF_8));
    return cipher;
  }

  private static PayloadCodecException failure(String message) {
    return new PayloadCodecException(message);
  }
}
