package dev.vmbackup.testing;

/**
 * One line the test guest appends to {@code records.log} on every disk: its boot id and a counter.
 * The counter starts at 1 on every boot, so a new boot id means the guest booted again.
 */
public record GuestRecord(String boot, long sequence) {
  static GuestRecord parse(String line) {
    String[] parts = line.trim().split(" ");
    if (parts.length != 2) {
      return null;
    }
    try {
      return new GuestRecord(parts[0], Long.parseLong(parts[1]));
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
