package dev.vmbackup.host.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import dev.vmbackup.testing.TestHost;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The host configuration file: what it means, and every mistake refused with one line naming the key. */
class HostConfigFileTest {
  @TempDir Path dir;

  /** The example of the README, read from it: the block after its {@code host-config-example} marker. */
  static String readmeExample() throws IOException {
    String readme = Files.readString(TestHost.repositoryRoot().resolve("README.md"));
    int marker = readme.indexOf("<!-- host-config-example");
    int start = readme.indexOf("```yaml\n", marker) + "```yaml\n".length();
    return readme.substring(start, readme.indexOf("```", start));
  }

  @Test
  void theReadmeExampleMeansWhatItSays() throws IOException {
    HostConfig config = HostConfigFile.read(write(readmeExample()));

    assertThat(config.repositories()).containsOnlyKeys("local", "nas");
    assertThat(config.repositories().get("nas")).isEqualTo(new HostConfig.Repository("files", "/mnt/nas/vmbackup"));
    assertThat(config.repositories().get("local").kind()).isEqualTo("files");
    assertThat(config.defaultRepositoryPath()).isEqualTo(Path.of("/var/lib/vmbackup/repository"));
    assertThat(config.allowRepositoryPaths()).isEmpty();
    HostConfig.Hook quiesce = config.hooks().get("app-quiesce");
    assertThat(quiesce.command()).containsExactly("/usr/local/bin/app-quiesce", "--wait", "30");
    assertThat(quiesce.timeout()).hasSeconds(120);
    assertThat(quiesce.environment()).containsEntry("APP_SOCKET", "/run/app.sock");
    assertThat(config.hooks().get("app-resume").timeout()).hasMinutes(10);
    assertThat(config.notifications().get("ops").webhook()).isEqualTo("https://alerts.example/vmbackup");
    assertThat(config.notifications().get("ops").headersFile()).isEqualTo("/etc/vmbackup/ops-headers");
    assertThat(config.notifications().get("mail-admins").command()).hasSize(2);
    assertThat(config.temporal()).isEqualTo(new HostConfig.Temporal("temporal.example:7233", "backups", true,
        "/etc/vmbackup/tls/ca.pem", "/etc/vmbackup/tls/worker.pem", "/etc/vmbackup/tls/worker.key",
        "/etc/vmbackup/temporal-api-key", "/etc/vmbackup/payload.key"));
  }

  @Test
  void theReadmeStoreExampleMeansWhatItSays() throws IOException {
    String readme = Files.readString(TestHost.repositoryRoot().resolve("README.md"));
    int marker = readme.indexOf("<!-- store-config-example");
    int start = readme.indexOf("```yaml\n", marker) + "```yaml\n".length();
    HostConfig config = HostConfigFile.read(write(readme.substring(start, readme.indexOf("```", start))
        + "defaultRepository: local\n"));

    HostConfig.Repository vault = config.repositories().get("vault");
    assertThat(vault.isStore()).isTrue();
    assertThat(vault.isS3()).isFalse();
    assertThat(vault.keyFile()).isEqualTo("/etc/vmbackup/store.key");
    assertThat(vault.workingDirectory("vault")).isEqualTo(Path.of("/var/lib/vmbackup/staging/vault"));
    HostConfig.Repository offsite = config.repositories().get("offsite");
    assertThat(offsite.isS3()).isTrue();
    assertThat(offsite.endpoint()).isEqualTo("https://s3.example:9000");
    assertThat(offsite.workingDirectory("offsite")).isEqualTo(Path.of("/var/lib/vmbackup/staging/offsite"));
  }

  @Test
  void storeRepositoriesAreCheckedKeyByKey() {
    assertRefused("repositories: {v: {kind: tape, path: /srv/v}}\n",
        "repositories.v.kind: 'tape' is not supported (files or store)");
    assertRefused("repositories: {v: {kind: store}}\n",
        "repositories.v.path: required (a directory, or s3://bucket/prefix)");
    assertRefused("repositories: {v: {kind: store, path: 's3://bkt/p', credentialsFile: /etc/c}}\n",
        "repositories.v.endpoint: an http:// or https:// URL of the S3 service is required for an s3:// store");
    assertRefused("repositories: {v: {kind: store, path: 's3://Bad_Bucket/p', endpoint: 'http://h:1'}}\n",
        "repositories.v.path: 's3://Bad_Bucket/p' is not s3://bucket/prefix");
    assertRefused("repositories: {v: {kind: store, path: /srv/v, endpoint: 'http://h:1'}}\n",
        "repositories.v: endpoint, credentialsFile and region are settings of an s3:// store");
    assertRefused("repositories: {v: {path: /srv/v, keyFile: /etc/k}}\n",
        "repositories.v: staging, keyFile, endpoint, credentialsFile and region are settings of kind store, not of"
            + " kind files");
  }

  private void assertRefused(String yaml, String message) {
    Path file;
    try {
      file = write(yaml);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> HostConfigFile.read(file)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage(file + ": " + message);
  }

  @Test
  void withoutATemporalSectionNoConnectionSettingComesFromTheFile() throws IOException {
    assertThat(HostConfigFile.read(write("hooks: {x: {command: [/bin/true]}}\n")).temporal())
        .isEqualTo(HostConfig.Temporal.NONE);
    assertThat(HostConfigFile.load(Optional.empty(), Path.of("/srv/backups")).temporal())
        .isEqualTo(HostConfig.Temporal.NONE);
    assertThat(HostConfigFile.read(write("temporal: {address: '[::1]:7233'}\n")).temporal().address())
        .isEqualTo("[::1]:7233");
    assertThat(HostConfigFile.read(write("temporal: {address: 10.0.0.5:7233, tls: false}\n")).temporal().tls())
        .isFalse();
  }

  @Test
  void withoutAFileAHostHasOneRepositoryAndNothingElse() {
    HostConfig config = HostConfigFile.load(Optional.empty(), Path.of("/var/lib/vmbackup/repository"));

    assertThat(config.repositories()).containsOnlyKeys("default");
    assertThat(config.defaultRepositoryPath()).isEqualTo(Path.of("/var/lib/vmbackup/repository"));
    assertThat(config.hooks()).isEmpty();
    assertThat(config.notifications()).isEmpty();
    assertThat(config.allowRepositoryPaths()).isEmpty();
  }

  @Test
  void aFileWithoutRepositoriesKeepsTheDefaultOneAndASingleRepositoryIsTheDefault() throws IOException {
    HostConfig hooksOnly = HostConfigFile.load(Optional.of(write("hooks: {x: {command: [/bin/true]}}\n")),
        Path.of("/srv/backups"));
    assertThat(hooksOnly.defaultRepositoryPath()).isEqualTo(Path.of("/srv/backups"));

    HostConfig single = HostConfigFile.read(write("repositories: {nas: {path: /mnt/nas}}\n"));
    assertThat(single.defaultRepository()).isEqualTo("nas");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      hoks: {}                                                   | unknown key 'hoks' (known: allowRepositoryPaths, defaultRepository, hooks, managedDomains, notifications, repositories, temporal)
      managedDomains: 'hv1/*'                                    | managedDomains: 'hv1/*' may use letters, digits, . _ + - and the wildcards * ? [ ]
      hooks: {a: {command: [/bin/true], timeout: 5}}             | unknown key 'hooks.a.timeout' (known: command, environment, timeoutSeconds)
      repositories: {r: {path: backups}}                         | repositories.r.path 'backups' must be an absolute path
      repositories: {r: {path: /srv/../etc}}                     | repositories.r.path '/srv/../etc' must not contain '.' or '..' segments
      repositories: {r: {kind: s3, path: /x}}                    | repositories.r.kind: 's3' is not supported (files or store)
      repositories: {'a b': {path: /x}}                          | repositories.a b: not a valid name (letters, digits and . _ + - only)
      repositories: {a: {path: /a}, b: {path: /b}}               | defaultRepository is required when there is more than one repository
      'repositories: {a: {path: /a}}\ndefaultRepository: b'      | defaultRepository: 'b' is not one of the repositories (a)
      allowRepositoryPaths: [tmp]                                | allowRepositoryPaths 'tmp' must be an absolute path
      hooks: {a: {command: []}}                                  | hooks.a.command: an argument list is required, such as [/usr/local/bin/app-quiesce]
      hooks: {a: {command: [touch, /tmp/x]}}                     | hooks.a.command: the program 'touch' must be an absolute path
      hooks: {a: {command: [/bin/true], timeoutSeconds: 0}}      | hooks.a.timeoutSeconds: must be more than 0
      hooks: {a: {command: [/bin/true], environment: {VMBACKUP_HOST: x}}} | hooks.a.environment: 'VMBACKUP_HOST' is not allowed (letters, digits and _; VMBACKUP_ variables are set by vmbackup)
      hooks: {a: [/bin/true]}                                    | at hooks.a Cannot deserialize value
      notifications: {n: {}}                                     | notifications.n: give a webhook, a command or both
      notifications: {n: {webhook: 'file:///etc/shadow'}}        | notifications.n.webhook: 'file:///etc/shadow' is not an http or https URL
      notifications: {n: {command: [/bin/true], headersFile: /h}} | notifications.n.headersFile: only a webhook sends headers
      notifications: {n: {webhook: 'http://a/', headersFile: h}} | notifications.n.headersFile 'h' must be an absolute path
      temporal: {adress: t:7233}                                 | unknown key 'temporal.adress' (known: address, apiKeyFile, namespace, payloadKeyFile, tls, tlsCa, tlsCert, tlsKey)
      temporal: {address: temporal.example}                      | temporal.address: 'temporal.example' is not HOST:PORT (such as temporal.example:7233)
      temporal: {address: 'http://t:7233'}                       | temporal.address: 'http://t:7233' is not HOST:PORT
      temporal: {address: 't:99999'}                             | temporal.address: 't:99999' is not HOST:PORT
      temporal: {namespace: ''}                                  | temporal.namespace: must not be empty
      temporal: {tls: maybe}                                     | at temporal.tls Cannot deserialize value
      temporal: {tlsCa: tls/ca.pem}                              | temporal.tlsCa 'tls/ca.pem' must be an absolute path
      temporal: {tlsCert: /c.pem, tlsKey: c.key}                 | temporal.tlsKey 'c.key' must be an absolute path
      temporal: {apiKeyFile: key}                                | temporal.apiKeyFile 'key' must be an absolute path
      temporal: {payloadKeyFile: /etc/../payload.key}            | temporal.payloadKeyFile '/etc/../payload.key' must not contain '.' or '..' segments
      temporal: {tlsCert: /c.pem}                                | temporal.tlsCert: needs temporal.tlsKey (a client certificate and its key go together)
      temporal: {tlsKey: /c.key}                                 | temporal.tlsKey: needs temporal.tlsCert (a client certificate and its key go together)
      """)
  void mistakesAreRefusedWithOneLineNamingTheKey(String yaml, String message) throws IOException {
    Path file = write(yaml.replace("\\n", "\n") + "\n");

    assertThatIllegalArgumentException().isThrownBy(() -> HostConfigFile.read(file))
        .withMessageStartingWith(file + ":")
        .withMessageContaining(message)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void aHostThatSharesItsLibvirtManagesTheDomainsItsGlobMatches() throws IOException {
    assertThat(HostConfigFile.read(write("managedDomains: 'fleet-a-*'\n")).managedDomains()).isEqualTo("fleet-a-*");
    // Without the key a host manages every domain of its libvirt.
    assertThat(HostConfigFile.load(Optional.empty(), Path.of("/srv/backups")).managedDomains()).isNull();
    // A configuration copied with another repository keeps it.
    assertThat(HostConfigFile.load(Optional.of(write("managedDomains: 'b*'\n")), Path.of("/srv/backups"))
        .allowingRepositoryPaths("/srv/scratch").managedDomains()).isEqualTo("b*");
  }

  @Test
  void aConfigFileThatWasNamedMustExist() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> HostConfigFile.locate(dir.resolve("missing.yaml").toString(), null))
        .withMessage("configuration file " + dir.resolve("missing.yaml") + " not found");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> HostConfigFile.locate(null, dir.resolve("env.yaml").toString()))
        .withMessageContaining("env.yaml not found");
  }

  @Test
  void anEmptyFileAllowsNothingButTheDefaultRepository() throws IOException {
    HostConfig config = HostConfigFile.load(Optional.of(write("")), Path.of("/srv/backups"));
    assertThat(config.hooks()).isEmpty();
    assertThat(config.defaultRepositoryPath()).isEqualTo(Path.of("/srv/backups"));
  }

  private Path write(String yaml) throws IOException {
    Path file = dir.resolve("vmbackup.yaml");
    Files.writeString(file, yaml);
    return file;
  }
}
