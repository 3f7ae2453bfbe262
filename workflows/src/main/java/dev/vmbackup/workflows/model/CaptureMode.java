package dev.vmbackup.workflows.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/** How the guest's state is captured at the snapshot instant. */
public enum CaptureMode {
  /** Disks only, as if the power had been cut: what the guest had not flushed is not in the backup. */
  CRASH("crash"),
  /** Disks only, with the guest's filesystems frozen through qemu-guest-agent for the instant of the snapshot. */
  QUIESCE("quiesce"),
  /** Disks plus the memory and CPU state, saved live, so that a restore resumes the guest where it was. */
  MEMORY("memory");

  private final String wireName;

  CaptureMode(String wireName) {
    this.wireName = wireName;
  }

  @JsonValue
  public String wireName() {
    return wireName;
  }

  /** Parses the JSON and command-line spelling ({@code crash}, {@code quiesce}, {@code memory}). */
  @JsonCreator
  public static CaptureMode fromWire(String value) {
    String wanted = value.trim().toLowerCase(Locale.ROOT);
    return Arrays.stream(values())
        .filter(mode -> mode.wireName.equals(wanted))
        .findFirst()
        .orElseThrow(
            () -> new IllegalArgumentException(
                "unknown capture mode '" + value + "' (expected crash, quiesce or memory)"));
  }

  @Override
  public String toString() {
    return wireName;
  }
}
