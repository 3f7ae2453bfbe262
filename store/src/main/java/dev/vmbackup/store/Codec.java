package dev.vmbackup.store;

import com.github.luben.zstd.Zstd;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Digests and the object envelope of one store: compression with zstd, then, in an encrypted store,
 * AES-256-GCM under a random 96-bit nonce. Thread-safe; per-thread digest and cipher instances keep the
 * writer's stages from contending.
 *
 * <p>An envelope is a 6-byte header (format version 1, flags, plaintext length as a big-endian int),
 * then, when encrypted, the nonce and the ciphertext with its 16-byte tag; else the (possibly compressed)
 * payload. The GCM associated data is the header followed by the object's key, so that an object moved
 * to another key, or a header changed to skip decryption, fails authentication.
 */
public final class Codec {
  /** Bytes of a digest. */
  public static final int DIGEST_BYTES = 32;
  private static final byte VERSION = 1;
  private static final int FLAG_ZSTD = 1;
  private static final int FLAG_AES_GCM = 2;
  private static final int HEADER = 6;
  private static final int NONCE = 12;
  private static final int TAG_BITS = 128;
  private static final int GCM_SLICE = 4096;

  private final StoreKey key;
  private final int level;
  private final SecureRandom random = new SecureRandom();
  private final ThreadLocal<MessageDigest> sha256 = ThreadLocal.withInitial(Codec::newSha256);
  private final ThreadLocal<Mac> hmac;
  /** Scratch arrays are kept up to zstd's bound of the largest chunk size (4 MiB). */
  private static final int SCRATCH_LIMIT = (int) Zstd.compressBound(4 << 20);
  private final ThreadLocal<byte[]> scratch = ThreadLocal.withInitial(() -> new byte[0]);

  /** A codec that encrypts when {@code key} is not null. */
  public Codec(StoreKey key, int level) {
    this.key = key;
    this.level = level;
    this.hmac = ThreadLocal.withInitial(() -> {
      try {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(key.digestKey());
        return mac;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("every Java runtime has HMAC-SHA256", e);
      }
    });
  }

  /** Whether this codec encrypts. */
  public boolean encrypted() {
    return key != null;
  }

  /** The digest of a chunk: SHA-256, or HMAC-SHA256 under the digest key in an encrypted store. */
  public byte[] digest(byte[] data, int length) {
    if (key == null) {
      MessageDigest md = sha256.get();
      md.update(data, 0, length);
      return md.digest();
    }
    Mac mac = hmac.get();
    mac.update(data, 0, length);
    return mac.doFinal();
  }

  /** The backend key of a chunk: {@code chunks/} plus the first two hex digits, then the whole digest. */
  public static String chunkKey(byte[] digest) {
    String hex = HexFormat.of().formatHex(digest);
    return "chunks/" + hex.substring(0, 2) + "/" + hex;
  }

  /** Seals the first {@code length} bytes of {@code plain} for storage under {@code objectKey}. */
  public byte[] seal(String objectKey, byte[] plain, int length) {
    // Compressed into a per-thread scratch array rather than a new one of zstd's bound per chunk: that
    // array was allocated, zeroed and dropped for every chunk, most of the writer's garbage. Objects
    // larger than the scratch limit (a large disk's index) get an array of their own, so that a thread
    // never keeps more than a few chunks' worth.
    int bound = (int) Zstd.compressBound(length);
    byte[] buffer = bound <= SCRATCH_LIMIT ? scratch(bound) : new byte[bound];
    long compressed = Zstd.compressByteArray(buffer, 0, bound, plain, 0, length, level);
    boolean useZstd = !Zstd.isError(compressed) && compressed < length;
    byte[] payload = useZstd ? buffer : plain;
    int payloadLength = useZstd ? (int) compressed : length;
    byte[] header = header((useZstd ? FLAG_ZSTD : 0) | (key != null ? FLAG_AES_GCM : 0), length);
    if (key == null) {
      byte[] out = new byte[HEADER + payloadLength];
      System.arraycopy(header, 0, out, 0, HEADER);
      System.arraycopy(payload, 0, out, HEADER, payloadLength);
      return out;
    }
    byte[] nonce = new byte[NONCE];
    random.nextBytes(nonce);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key.encryptionKey(), new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(header);
      cipher.updateAAD(objectKey.getBytes(StandardCharsets.UTF_8));
      byte[] out = new byte[HEADER + NONCE + payloadLength + TAG_BITS / 8];
      System.arraycopy(header, 0, out, 0, HEADER);
      System.arraycopy(nonce, 0, out, HEADER, NONCE);
      // Fed in slices rather than in one call: HotSpot uses its carry-less-multiply GHASH only in code
      // that C2 compiled, and C2 compiles the cipher's per-call path after thousands of calls; one call
      // per chunk never gets there within a disk (4,096 chunks per GiB) and GHASH stayed in plain Java
      // at about a quarter of the speed (AES-GCM took 3.9 s per GiB in a fresh JVM, 1.0 s in slices).
      // The ciphertext and tag are the same either way.
      int in = 0;
      int written = HEADER + NONCE;
      for (; payloadLength - in > GCM_SLICE; in += GCM_SLICE) {
        written += cipher.update(payload, in, GCM_SLICE, out, written);
      }
      cipher.doFinal(payload, in, payloadLength - in, out, written);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM failed to encrypt", e);
    }
  }

  /** This thread's scratch array, of at least {@code length} bytes. */
  private byte[] scratch(int length) {
    byte[] buffer = scratch.get();
    if (buffer.length < length) {
      buffer = new byte[length];
      scratch.set(buffer);
    }
    return buffer;
  }

  /**
   * Opens an envelope read from {@code objectKey}; anything that does not authenticate, decompress or
   * parse is a {@link CorruptChunkException}, as is an unencrypted object in an encrypted store.
   */
  public byte[] open(String objectKey, byte[] sealed) {
    if (sealed.length < HEADER || sealed[0] != VERSION) {
      throw new CorruptChunkException(objectKey, "unknown envelope header");
    }
    int flags = sealed[1];
    int length = ByteBuffer.wrap(sealed, 2, 4).getInt();
    if (length < 0 || length > 64 * 1024 * 1024 && (flags & FLAG_ZSTD) != 0) {
      throw new CorruptChunkException(objectKey, "implausible length " + length);
    }
    boolean isEncrypted = (flags & FLAG_AES_GCM) != 0;
    if (isEncrypted != (key != null)) {
      throw new CorruptChunkException(objectKey, isEncrypted ? "encrypted object in an unencrypted store"
          : "unencrypted object in an encrypted store");
    }
    byte[] payload;
    if (key == null) {
      payload = Arrays.copyOfRange(sealed, HEADER, sealed.length);
    } else {
      if (sealed.length < HEADER + NONCE + TAG_BITS / 8) {
        throw new CorruptChunkException(objectKey, "truncated");
      }
      try {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.DECRYPT_MODE, key.encryptionKey(), new GCMParameterSpec(TAG_BITS, sealed, HEADER, NONCE));
        cipher.updateAAD(sealed, 0, HEADER);
        cipher.updateAAD(objectKey.getBytes(StandardCharsets.UTF_8));
        payload = cipher.doFinal(sealed, HEADER + NONCE, sealed.length - HEADER - NONCE);
      } catch (javax.crypto.AEADBadTagException e) {
        throw new CorruptChunkException(objectKey, "authentication tag does not match (changed, or another key)");
      } catch (GeneralSecurityException e) {
        throw new CorruptChunkException(objectKey, "cannot decrypt: " + e.getMessage());
      }
    }
    if ((flags & FLAG_ZSTD) == 0) {
      if (payload.length != length) {
        throw new CorruptChunkException(objectKey, "length " + payload.length + " instead of " + length);
      }
      return payload;
    }
    try {
      byte[] plain = Zstd.decompress(payload, length);
      if (plain.length != length) {
        throw new CorruptChunkException(objectKey, "decompressed to " + plain.length + " bytes instead of " + length);
      }
      return plain;
    } catch (RuntimeException e) {
      if (e instanceof CorruptChunkException corrupt) {
        throw corrupt;
      }
      throw new CorruptChunkException(objectKey, "cannot decompress: " + e.getMessage());
    }
  }

  private static byte[] header(int flags, int length) {
    return ByteBuffer.allocate(HEADER).put(VERSION).put((byte) flags).putInt(length).array();
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
