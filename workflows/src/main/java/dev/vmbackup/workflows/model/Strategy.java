package dev.vmbackup.workflows.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/** How a backup relates to earlier backups of the same VM. */
public enum Strategy {
  /** External snapshot, copy of every frozen image, blockcommit back: each backup stands alone. */
  FULL("full"),
  /** Forward-incremental overlay chain: each run freezes the current top image and copies only it. */
  CHAIN("chain"),
  /** libvirt's backup API with checkpoints: only the blocks changed since the previous backup. */
  INCREMENTAL("incremental"),
  /** libvirt's backup API with checkpoints: the blocks changed since the last full backup. */
  DIFFERENTIAL("differential");

  private final String wireName;

  Strategy(String wireName) {
    this.wireName = wireName;
  }

  @JsonValue
  public String wireName() {
    return wireName;
  }

  @JsonCreator
  public static Strategy fromWire(String value) {
    String wanted = value.trim().toLowerCase(Locale.ROOT);
    return Arrays.stream(values())
        .filter(strategy -> strategy.wireName.equals(wanted))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown strategy '" + value + "' (expected full, chain, incremental or differential)"));
  }

  @Override
  public String toString() {
    return wireName;
  }
}
