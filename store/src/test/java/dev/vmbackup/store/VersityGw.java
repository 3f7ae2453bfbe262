package dev.vmbackup.store;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real versitygw S3 server as a child process, serving a directory over HTTP on a free local port.
 * The binary is {@code $VMBACKUP_VERSITYGW}, or the one {@code scripts/install-versitygw.sh} caches.
 * Tests that need it are skipped when it is absent, unless {@code VMBACKUP_S3_REQUIRED} is set, in which
 * case they fail.
 */
public final class VersityGw implements AutoCloseable {
  public static final String ACCESS = "vmbackup-test";
  public static final String SECRET = "vmbackup-test-secret";

  private final Path binary;
  private final Path data;
  private final Path log;
  private final int port;
  private Process process;

  private VersityGw(Path binary, Path dir) throws IOException {
    this.binary = binary;
    this.data = Files.createDirectories(dir.resolve("gw-data"));
    this.log = dir.resolve("versitygw.log");
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      this.port = socket.getLocalPort();
    }
  }

  /**
   * Why S3 tests cannot run here (no binary, and {@code VMBACKUP_S3_REQUIRED} unset), or null when they
   * can; fails when the binary is absent but required.
   */
  public static String unavailable() {
    Path binary = binary();
    if (Files.isExecutable(binary)) {
      return null;
    }
    String message = "versitygw is not installed at " + binary + " (run scripts/install-versitygw.sh)";
    if (System.getenv("VMBACKUP_S3_REQUIRED") != null) {
      throw new IllegalStateException(message + ", and VMBACKUP_S3_REQUIRED is set");
    }
    return message + "; skipping the S3 tests";
  }

  private static Path binary() {
    String configured = System.getenv("VMBACKUP_VERSITYGW");
    return Path.of(configured != null ? configured
        : System.getenv().getOrDefault("VMBACKUP_CACHE", "/var/cache/vmbackup") + "/bin/versitygw");
  }

  /** Starts a server over {@code dir}, or skips the test when there is no binary and S3 is not required. */
  public static VersityGw start(Path dir) throws IOException, InterruptedException {
    String unavailable = unavailable();
    if (unavailable != null) {
      Assumptions.abort(unavailable);
    }
    VersityGw gw = new VersityGw(binary(), dir);
    gw.startProcess();
    return gw;
  }

  /** Starts the server process (again, after {@link #stop()}) on the same port and directory. */
  public void startProcess() throws IOException, InterruptedException {
    process = new ProcessBuilder(binary.toString(), "--access", ACCESS, "--secret", SECRET,
        "--port", "127.0.0.1:" + port, "posix", data.toString())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
    while (true) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        if (!process.isAlive() || Instant.now().isAfter(deadline)) {
          throw new IllegalStateException("versitygw did not start; see " + log + ":\n" + Files.readString(log));
        }
        Thread.sleep(50);
      }
    }
  }

  /** Kills the server process, as a crash or a network loss would look to a client. */
  public void stop() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** Creates a bucket and returns settings for a store in it, with a credentials file beside it. */
  public S3Settings bucket(String bucket, Path dir, Duration retryBudget) throws IOException {
    try (S3Client client = S3Client.builder().endpointOverride(endpoint()).region(Region.US_EAST_1).forcePathStyle(true)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS, SECRET))).build()) {
      client.createBucket(b -> b.bucket(bucket));
    }
    Path credentials = dir.resolve(bucket + ".credentials");
    Files.createFile(credentials, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(credentials, "[default]\naws_access_key_id = " + ACCESS + "\naws_secret_access_key = " + SECRET + "\n");
    return new S3Settings(endpoint(), "us-east-1", bucket, "store1/", credentials, "default", 8, retryBudget);
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null) {
      stop();
    }
  }
}
