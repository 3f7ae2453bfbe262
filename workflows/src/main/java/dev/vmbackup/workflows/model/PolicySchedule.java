package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * When a policy runs.
 *
 * @param cron cron expressions (five fields, UTC), e.g. {@code "0 2 * * *"}
 * @param every an interval instead, e.g. {@code "1h"}, {@code "15m"}, {@code "30s"}
 * @param jitter a random delay up to this long before each run, e.g. {@code "5m"}, so that many
 *     policies do not start at the same second
 * @param catchupWindow runs missed while the server was down are made up if at most this late; default 1 hour
 */
public record PolicySchedule(List<String> cron, String every, String jitter, String catchupWindow) {
  public PolicySchedule {
    cron = cron == null ? List.of() : List.copyOf(cron);
  }
}
