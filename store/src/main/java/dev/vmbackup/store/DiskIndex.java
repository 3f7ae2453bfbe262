package dev.vmbackup.store;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The ordered chunk digests of one disk or blob: chunk {@code i} covers bytes {@code [i × chunkSize,
 * min((i + 1) × chunkSize, size))}. An all-zero digest marks a chunk of zeros, which is not stored.
 * Immutable: the digests are copied in and out.
 *
 * <p>Serialized (before the envelope) as {@code "VBIX"}, version 1 (int), chunk size (int), size
 * (long), count (int), then 32 bytes per chunk.
 */
public final class DiskIndex {
  private static final int MAGIC = 0x56424958; // "VBIX"
  private static final byte[] ZERO = new byte[Codec.DIGEST_BYTES];
  private final int chunkSize;
  private final long size;
  private final byte[] digests;

  /** An index of {@code digests} (32 bytes per chunk, as many chunks as {@code size} needs). */
  public DiskIndex(int chunkSize, long size, byte[] digests) {
    if (digests.length != chunks(size, chunkSize) * Codec.DIGEST_BYTES) {
      throw new IllegalArgumentException("an index of " + size + " bytes in chunks of " + chunkSize + " needs "
          + chunks(size, chunkSize) + " digests, not " + digests.length / Codec.DIGEST_BYTES);
    }
    this.chunkSize = chunkSize;
    this.size = size;
    this.digests = digests.clone();
  }

  /** How many chunks cover {@code size} bytes. */
  public static int chunks(long size, int chunkSize) {
    long count = (size + chunkSize - 1) / chunkSize;
    if (count > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("a disk of " + size + " bytes has too many chunks");
    }
    return (int) count;
  }

  public int chunkSize() {
    return chunkSize;
  }

  public long size() {
    return size;
  }

  public int count() {
    return digests.length / Codec.DIGEST_BYTES;
  }

  /** The digest of chunk {@code i} (a copy). */
  public byte[] digest(int i) {
    return Arrays.copyOfRange(digests, i * Codec.DIGEST_BYTES, (i + 1) * Codec.DIGEST_BYTES);
  }

  /** Whether chunk {@code i} is all zeros (not stored). */
  public boolean isZero(int i) {
    return Arrays.equals(digests, i * Codec.DIGEST_BYTES, (i + 1) * Codec.DIGEST_BYTES, ZERO, 0, ZERO.length);
  }

  /** The length of chunk {@code i} (the last one may be short). */
  public int length(int i) {
    return (int) Math.min(chunkSize, size - (long) i * chunkSize);
  }

  /** The zero marker. */
  static byte[] zeroMarker() {
    return ZERO.clone();
  }

  /** The serialized form, before the envelope. */
  public byte[] toBytes() {
    return ByteBuffer.allocate(24 + digests.length).putInt(MAGIC).putInt(1).putInt(chunkSize).putLong(size)
        .putInt(count()).put(digests).array();
  }

  /** Parses {@link #toBytes()}; anything else is a {@link CorruptChunkException} naming {@code key}. */
  public static DiskIndex fromBytes(String key, byte[] bytes) {
    try {
      ByteBuffer in = ByteBuffer.wrap(bytes);
      if (in.getInt() != MAGIC || in.getInt() != 1) {
        throw new CorruptChunkException(key, "not an index");
      }
      int chunkSize = in.getInt();
      long size = in.getLong();
      int count = in.getInt();
      if (count < 0 || in.remaining() != (long) count * Codec.DIGEST_BYTES) {
        throw new CorruptChunkException(key, "index length does not match its count");
      }
      byte[] digests = new byte[in.remaining()];
      in.get(digests);
      return new DiskIndex(chunkSize, size, digests);
    } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
      throw new CorruptChunkException(key, "malformed index: " + e.getMessage());
    }
  }
}
