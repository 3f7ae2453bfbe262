package dev.vmbackup.worker;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Set;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The AES-256 key that encrypts workflow payloads, read from a key file: 32 random bytes, base64, on one
 * line, in a file only its owner may read (mode 0600). Every worker and every starter of one deployment
 * holds the same file.
 *
 * <p>The key id is the first 8 bytes of the key's SHA-256, in hex: the same file gives the same id on
 * every host without a second setting to keep in step, and a hash prefix reveals nothing useful about a
 * 256-bit key. The key itself is never part of a message or of {@link #toString()}.
 *
 * @param id the key id written into each payload this key encrypts
 * @param key the AES key
 */
public record PayloadKey(String id, SecretKey key) {
  /** Bytes of key material: AES-256. */
  public static final int KEY_BYTES = 32;

  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  /** A key of the given bytes. */
  public static PayloadKey of(byte[] material) {
    if (material.length != KEY_BYTES) {
      throw new IllegalArgumentException("a payload key is " + KEY_BYTES + " bytes, not " + material.length);
    }
    return new PayloadKey(idOf(material), new SecretKeySpec(material.clone(), "AES"));
  }

  /**
   * The key of a key file. Refuses, with an {@link IllegalArgumentException} naming the file (never its
   * content), a file that cannot be read, that group or others may access, or that is not 32 bytes of
   * base64.
   */
  public static PayloadKey read(Path file) {
    String where = "--payload-key-file " + file;
    try {
      PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
      if (view != null) {
        Set<PosixFilePermission> permissions = view.readAttributes().permissions();
        if (!OWNER_ONLY.containsAll(permissions)) {
          throw new IllegalArgumentException(where + " may be read by group or others (mode "
              + PosixFilePermissions.toString(permissions) + "): chmod 600 " + file);
        }
      }
      byte[] material;
      try {
        material = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).strip());
      } catch (IllegalArgumentException | java.nio.charset.CharacterCodingException notBase64) {
        throw new IllegalArgumentException(where + " is not a base64 key; make one with: vmbackup key create FILE");
      }
      if (material.length != KEY_BYTES) {
        throw new IllegalArgumentException(where + " holds " + material.length + " bytes; a payload key is "
            + KEY_BYTES + " (make one with: vmbackup key create FILE)");
      }
      return of(material);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new IllegalArgumentException("cannot read " + where + ": no such file", e);
    } catch (java.nio.file.AccessDeniedException e) {
      throw new IllegalArgumentException("cannot read " + where + ": permission denied", e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + where + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes a new random key to {@code file}, created with mode 0600 from the start so that the key is
   * never readable by anyone else, not even for a moment. Refuses an existing file: overwriting a key
   * would make every payload encrypted under it unreadable.
   */
  public static PayloadKey create(Path file) {
    byte[] material = new byte[KEY_BYTES];
    new SecureRandom().nextBytes(material);
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    } catch (FileAlreadyExistsException e) {
      throw new IllegalArgumentException(file + " already exists; a payload key is never overwritten (payloads"
          + " encrypted under it could no longer be read): choose another file", e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot create " + file + ": " + e.getMessage(), e);
    }
    try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.WRITE)) {
      out.write((Base64.getEncoder().encodeToString(material) + "\n").getBytes(StandardCharsets.US_ASCII));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot write " + file + ": " + e.getMessage(), e);
    }
    return of(material);
  }

  @Override
  public String toString() {
    return "PayloadKey[id=" + id + "]";
  }

  private static String idOf(byte[] material) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(material);
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
