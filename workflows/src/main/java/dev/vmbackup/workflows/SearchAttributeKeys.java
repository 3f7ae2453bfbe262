package dev.vmbackup.workflows;

import io.temporal.common.SearchAttributeKey;
import java.util.List;

/**
 * vmbackup's custom search attributes, so that an operator can filter the Web UI and
 * {@code temporal workflow list} by VM, host or strategy ({@code VmbackupDomain = "vm-001"}). The worker
 * registers them where the server allows it; starters set them only when they are registered.
 */
public final class SearchAttributeKeys {
  public static final SearchAttributeKey<String> DOMAIN = SearchAttributeKey.forKeyword("VmbackupDomain");
  public static final SearchAttributeKey<String> HOST = SearchAttributeKey.forKeyword("VmbackupHost");
  public static final SearchAttributeKey<String> STRATEGY = SearchAttributeKey.forKeyword("VmbackupStrategy");

  public static final List<SearchAttributeKey<String>> ALL = List.of(DOMAIN, HOST, STRATEGY);

  private SearchAttributeKeys() {}
}
