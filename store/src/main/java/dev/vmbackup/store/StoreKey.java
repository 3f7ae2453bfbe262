package dev.vmbackup.store;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key of an encrypted store, read from the same kind of key file {@code vmbackup key create} writes:
 * 32 random bytes, base64, on one line, mode 0600. One file can serve as payload key and store key; the
 * store never uses the file's bytes directly but derives its own sub-keys from them with HKDF-Expand
 * (RFC 5869; the file's bytes are already uniformly random, so they serve as the pseudorandom key and the
 * extract step is skipped), each under its own label, so that no two uses share a key:
 * <ul>
 *   <li>{@code encryption}: AES-256-GCM key of chunks, indexes and manifests;
 *   <li>{@code digest}: HMAC-SHA256 key of chunk digests, so that a digest reveals nothing of the
 *       content to whoever can list the store;
 *   <li>{@code fingerprint}: 8 bytes recorded in {@code store.json}, so that a wrong key is refused
 *       before anything is read. It is derived, never the key's plain hash, so that it says nothing about
 *       the payload key id of the same file.
 * </ul>
 *
 * <p>The record holds derived keys only; {@link #toString()} shows the fingerprint and nothing else.
 *
 * @param fingerprint hex of the derived fingerprint
 * @param encryptionKey the AES-256 key
 * @param digestKey the HMAC-SHA256 key
 */
public record StoreKey(String fingerprint, SecretKeySpec encryptionKey, SecretKeySpec digestKey) {
  /** Bytes of key material in a key file. */
  public static final int KEY_BYTES = 32;

  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  /** The store key derived from 32 bytes of key material. */
  public static StoreKey of(byte[] material) {
    if (material.length != KEY_BYTES) {
      throw new IllegalArgumentException("a store key is " + KEY_BYTES + " bytes, not " + material.length);
    }
    byte[] encryption = expand(material, "vmbackup-store v1 encryption", 32);
    byte[] digest = expand(material, "vmbackup-store v1 digest", 32);
    byte[] fingerprint = expand(material, "vmbackup-store v1 fingerprint", 8);
    try {
      return new StoreKey(HexFormat.of().formatHex(fingerprint), new SecretKeySpec(encryption, "AES"),
          new SecretKeySpec(digest, "HmacSHA256"));
    } finally {
      Arrays.fill(encryption, (byte) 0);
      Arrays.fill(digest, (byte) 0);
    }
  }

  /**
   * The key of a key file. Refuses, with a {@link KeyMismatchException} naming the file (never its
   * content), a missing or unreadable file, one that group or others may access, or one that is not 32
   * bytes of base64.
   */
  public static StoreKey read(Path file) {
    String where = "key file " + file;
    try {
      PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
      if (view != null) {
        Set<PosixFilePermission> permissions = view.readAttributes().permissions();
        if (!OWNER_ONLY.containsAll(permissions)) {
          throw new KeyMismatchException(where + " may be read by group or others (mode "
              + PosixFilePermissions.toString(permissions) + "): chmod 600 " + file);
        }
      }
      byte[] material;
      try {
        material = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).strip());
      } catch (IllegalArgumentException | java.nio.charset.CharacterCodingException notBase64) {
        throw new KeyMismatchException(where + " is not a base64 key; make one with: vmbackup key create FILE");
      }
      if (material.length != KEY_BYTES) {
        throw new KeyMismatchException(where + " holds " + material.length + " bytes; a key is " + KEY_BYTES
            + " (make one with: vmbackup key create FILE)");
      }
      try {
        return of(material);
      } finally {
        Arrays.fill(material, (byte) 0);
      }
    } catch (NoSuchFileException e) {
      throw new KeyMismatchException("cannot read " + where + ": no such file");
    } catch (AccessDeniedException e) {
      throw new KeyMismatchException("cannot read " + where + ": permission denied");
    } catch (IOException e) {
      throw new KeyMismatchException("cannot read " + where + ": " + e.getMessage());
    }
  }

  /**
   * Writes a new random key file in the format of {@code vmbackup key create} (created with mode 0600
   * from the start; an existing file is refused, since overwriting a key loses everything under it).
   */
  public static StoreKey create(Path file) {
    byte[] material = new byte[KEY_BYTES];
    new SecureRandom().nextBytes(material);
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.WRITE)) {
        out.write((Base64.getEncoder().encodeToString(material) + "\n").getBytes(StandardCharsets.US_ASCII));
      }
      return of(material);
    } catch (FileAlreadyExistsException e) {
      throw new IllegalArgumentException(file + " already exists; a key is never overwritten", e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot write " + file + ": " + e.getMessage(), e);
    } finally {
      Arrays.fill(material, (byte) 0);
    }
  }

  @Override
  public String toString() {
    return "StoreKey[fingerprint=" + fingerprint + "]";
  }

  /** HKDF-Expand (RFC 5869, section 2.3) with HMAC-SHA256, for outputs of at most one block. */
  private static byte[] expand(byte[] prk, String info, int length) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(prk, "HmacSHA256"));
      mac.update(info.getBytes(StandardCharsets.US_ASCII));
      mac.update((byte) 1);
      return Arrays.copyOf(mac.doFinal(), length);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java runtime has HMAC-SHA256", e);
    }
  }
}
