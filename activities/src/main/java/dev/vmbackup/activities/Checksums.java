package dev.vmbackup.activities;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 of files that may be large, with a callback between chunks so that the activity can heartbeat. */
final class Checksums {
  private static final int CHUNK = 8 << 20;

  private Checksums() {}

  static String sha256(Path file, Runnable betweenChunks) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
    byte[] buffer = new byte[1 << 20];
    long sinceBeat = 0;
    try (InputStream in = Files.newInputStream(file)) {
      int read;
      while ((read = in.read(buffer)) > 0) {
        digest.update(buffer, 0, read);
        sinceBeat += read;
        if (sinceBeat >= CHUNK) {
          betweenChunks.run();
          sinceBeat = 0;
        }
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
