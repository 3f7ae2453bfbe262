package dev.vmbackup.host.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vmbackup.workflows.Validation;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads and checks the host configuration file. Every problem is one line naming the file and the key
 * ({@code /etc/vmbackup/vmbackup.yaml: hooks.quiesce.command: the program must be an absolute path}), so
 * that a worker with a bad file refuses to start instead of running with half of it.
 */
public final class HostConfigFile {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
  /** A host name, an IPv4 address or a bracketed IPv6 address, then a port. */
  private static final Pattern ADDRESS = Pattern.compile(
      "(\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):([1-9][0-9]{0,4})");
  private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private HostConfigFile() {}

  /**
   * The file to read: {@code option} (from {@code --config}) or {@code $VMBACKUP_CONFIG}, which must
   * exist; else {@link HostConfig#DEFAULT_FILE} if it exists; else none.
   */
  public static Optional<Path> locate(String option, String environment) {
    String given = option != null && !option.isBlank() ? option : environment;
    if (given != null && !given.isBlank()) {
      Path path = Path.of(given).toAbsolutePath();
      if (!Files.isRegularFile(path)) {
        throw new IllegalArgumentException("configuration file " + path + " not found");
      }
      return Optional.of(path);
    }
    return Files.isRegularFile(HostConfig.DEFAULT_FILE) ? Optional.of(HostConfig.DEFAULT_FILE) : Optional.empty();
  }

  /**
   * The host's configuration: the file's, or with no file {@link HostConfig#defaults}. A file without
   * repositories keeps {@code repository} as its default one.
   */
  public static HostConfig load(Optional<Path> file, Path repository) {
    return file.map(path -> read(path).withRepositoryIfNone(repository))
        .orElseGet(() -> HostConfig.defaults(repository));
  }

  /** Parses and checks one file; throws {@link IllegalArgumentException} with one line naming the problem. */
  public static HostConfig read(Path file) {
    HostConfig config;
    try {
      String text = Files.readString(file);
      // An empty file (or one of comments only) is a host that allows nothing beyond its default repository.
      config = text.lines().allMatch(line -> line.isBlank() || line.strip().startsWith("#"))
          ? null : YAML.readValue(text, HostConfig.class);
    } catch (UnrecognizedPropertyException e) {
      throw new IllegalArgumentException(file + ": unknown key '" + at(e).replaceFirst("^ at ", "") + "'"
          + " (known: " + e.getKnownPropertyIds().stream().map(Object::toString).sorted()
              .collect(Collectors.joining(", ")) + ")", e);
    } catch (JsonMappingException e) {
      throw new IllegalArgumentException(file + ":" + at(e) + " " + firstLine(e.getOriginalMessage()), e);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("configuration file " + file + " not found", e);
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": " + firstLine(e.getMessage()), e);
    }
    if (config == null) {
      config = new HostConfig(null, null, null, null, null, null);
    }
    try {
      check(config);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
    return config;
  }

  private static final Pattern S3_PATH = Pattern.compile("s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(/.*)?");

  private static void checkRepository(String key, HostConfig.Repository repository) {
    if (HostConfig.Repository.FILES.equals(repository.kind())) {
      Validation.absolutePath(key + ".path", repository.path());
      for (String storeOnly : new String[] {repository.staging(), repository.keyFile(), repository.endpoint(),
          repository.credentialsFile(), repository.region()}) {
        if (storeOnly != null) {
          throw new IllegalArgumentException(key + ": staging, keyFile, endpoint, credentialsFile and region are"
              + " settings of kind store, not of kind files");
        }
      }
      return;
    }
    if (!repository.isStore()) {
      throw new IllegalArgumentException(key + ".kind: '" + repository.kind() + "' is not supported (files or store)");
    }
    if (repository.path() == null) {
      throw new IllegalArgumentException(key + ".path: required (a directory, or s3://bucket/prefix)");
    }
    if (repository.isS3()) {
      if (!S3_PATH.matcher(repository.path()).matches()) {
        throw new IllegalArgumentException(key + ".path: '" + repository.path() + "' is not s3://bucket/prefix");
      }
      if (repository.endpoint() == null || !repository.endpoint().matches("https?://[^/\\s]+/?")) {
        throw new IllegalArgumentException(key + ".endpoint: an http:// or https:// URL of the S3 service is"
            + " required for an s3:// store");
      }
      Validation.absolutePath(key + ".credentialsFile", repository.credentialsFile());
    } else {
      Validation.absolutePath(key + ".path", repository.path());
      if (repository.endpoint() != null || repository.credentialsFile() != null || repository.region() != null) {
        throw new IllegalArgumentException(key + ": endpoint, credentialsFile and region are settings of an"
            + " s3:// store");
      }
    }
    if (repository.staging() != null) {
      Validation.absolutePath(key + ".staging", repository.staging());
    }
    if (repository.keyFile() != null) {
      Validation.absolutePath(key + ".keyFile", repository.keyFile());
    }
  }

  /** Checks a configuration however it was made; throws {@link IllegalArgumentException} naming the key. */
  public static void check(HostConfig config) {
    config.repositories().forEach((name, repository) -> {
      String key = "repositories." + name;
      name(key, name);
      checkRepository(key, repository);
    });
    if (config.defaultRepository() != null && !config.repositories().containsKey(config.defaultRepository())) {
      throw new IllegalArgumentException("defaultRepository: '" + config.defaultRepository()
          + "' is not one of the repositories (" + String.join(", ", config.repositories().keySet()) + ")");
    }
    if (config.defaultRepository() == null && config.repositories().size() > 1) {
      throw new IllegalArgumentException("defaultRepository is required when there is more than one repository");
    }
    for (String directory : config.allowRepositoryPaths()) {
      Validation.absolutePath("allowRepositoryPaths", directory);
    }
    config.hooks().forEach((name, hook) -> {
      String key = "hooks." + name;
      name(key, name);
      command(key + ".command", hook.command(), true);
      if (hook.timeoutSeconds() != null && hook.timeoutSeconds() <= 0) {
        throw new IllegalArgumentException(key + ".timeoutSeconds: must be more than 0");
      }
      hook.environment().forEach((variable, value) -> {
        if (!VARIABLE.matcher(variable).matches() || variable.startsWith("VMBACKUP_")) {
          throw new IllegalArgumentException(key + ".environment: '" + variable
              + "' is not allowed (letters, digits and _; VMBACKUP_ variables are set by vmbackup)");
        }
        if (value == null) {
          throw new IllegalArgumentException(key + ".environment." + variable + ": a value is required");
        }
      });
    });
    config.notifications().forEach((name, notification) -> {
      String key = "notifications." + name;
      name(key, name);
      if (notification.webhook() == null && notification.command().isEmpty()) {
        throw new IllegalArgumentException(key + ": give a webhook, a command or both");
      }
      if (notification.webhook() != null) {
        webhook(key + ".webhook", notification.webhook());
      }
      if (notification.headersFile() != null) {
        if (notification.webhook() == null) {
          throw new IllegalArgumentException(key + ".headersFile: only a webhook sends headers");
        }
        Validation.absolutePath(key + ".headersFile", notification.headersFile());
      }
      command(key + ".command", notification.command(), false);
    });
    temporal(config.temporal());
    if (config.managedDomains() != null) {
      Validation.domainGlob("managedDomains:", config.managedDomains());
    }
  }

  private static void temporal(HostConfig.Temporal temporal) {
    String address = temporal.address();
    var hostPort = address == null ? null : ADDRESS.matcher(address);
    if (hostPort != null && !(hostPort.matches() && Integer.parseInt(hostPort.group(3)) <= 65535)) {
      throw new IllegalArgumentException("temporal.address: '" + Validation.printable(address)
          + "' is not HOST:PORT (such as temporal.example:7233)");
    }
    if (temporal.namespace() != null && temporal.namespace().isBlank()) {
      throw new IllegalArgumentException("temporal.namespace: must not be empty");
    }
    optionalPath("temporal.tlsCa", temporal.tlsCa());
    optionalPath("temporal.tlsCert", temporal.tlsCert());
    optionalPath("temporal.tlsKey", temporal.tlsKey());
    optionalPath("temporal.apiKeyFile", temporal.apiKeyFile());
    optionalPath("temporal.payloadKeyFile", temporal.payloadKeyFile());
    // Half a client certificate would only fail later, at the first connection, far from the file.
    if ((temporal.tlsCert() == null) != (temporal.tlsKey() == null)) {
      throw new IllegalArgumentException(temporal.tlsCert() == null
          ? "temporal.tlsKey: needs temporal.tlsCert (a client certificate and its key go together)"
          : "temporal.tlsCert: needs temporal.tlsKey (a client certificate and its key go together)");
    }
  }

  private static void optionalPath(String key, String path) {
    if (path != null) {
      Validation.absolutePath(key, path);
    }
  }

  private static void name(String key, String name) {
    if (!Validation.isConfigName(name)) {
      throw new IllegalArgumentException(key + ": not a valid name (letters, digits and . _ + - only)");
    }
  }

  private static void command(String key, List<String> command, boolean required) {
    if (command.isEmpty()) {
      if (required) {
        throw new IllegalArgumentException(key + ": an argument list is required, such as [/usr/local/bin/app-quiesce]");
      }
      return;
    }
    if (command.stream().anyMatch(argument -> argument == null)) {
      throw new IllegalArgumentException(key + ": an argument is empty");
    }
    if (!command.get(0).startsWith("/")) {
      // The worker runs as root: a program found on its PATH is not necessarily the one the operator meant.
      throw new IllegalArgumentException(key + ": the program '" + command.get(0) + "' must be an absolute path");
    }
    Validation.absolutePath(key, command.get(0));
  }

  private static void webhook(String key, String url) {
    try {
      URI uri = new URI(url);
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
        throw new IllegalArgumentException(key + ": '" + url + "' is not an http or https URL");
      }
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(key + ": '" + url + "' is not a URL: " + e.getReason(), e);
    }
  }

  private static String at(JsonMappingException e) {
    String path = e.getPath().stream()
        .map(reference -> reference.getFieldName() != null ? reference.getFieldName() : "[" + reference.getIndex() + "]")
        .collect(Collectors.joining(".")).replace(".[", "[");
    return path.isEmpty() ? "" : " at " + path;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "cannot be read";
    }
    int end = message.indexOf('\n');
    return (end < 0 ? message : message.substring(0, end)).strip();
  }
}
