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
  MEMORY("memory"),
  /**
   * The stoney cloud method: the VM's state is saved to a file (the VM stops), its images are frozen
   * while it is stopped, and it is restored from the file onto new overlays. Disks and memory are
   * consistent with each other without any help from the guest; the VM is stopped for a few seconds,
   * which the manifest records.
   */
  SAVED_STATE("saved-state");

  private final String wireName;

  CaptureMode(String wireName) {
    this.wireName = wireName;
  }

  @JsonValue
  public String wireName() {
    return wireName;
  }

  /** Parses the JSON and command-line spelling ({@code crash}, {@code quiesce}, {@code memory}, {@code saved-state}). */
  @JsonCreator
  public static CaptureMode fromWire(String value) {
    String wanted = value.trim().toLowerCase(Locale.ROOT);
    return Arrays.stream(values())
        .filter(mode -> mode.wireName.equals(wanted))
        .findFirst()
        .orElseThrow(
            () -> new IllegalArgumentException(
                "unknown capture mode '" + value + "' (expected crash, quiesce, memory or saved-state)"));
  }

  @Override
  public String toString() {
    return wireName;
  }
}
