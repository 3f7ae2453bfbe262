package dev.vmbackup.e2e;

import dev.vmbackup.testing.Commands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A Temporal frontend that requires mutual TLS: Debian's haproxy in front of the dev server, terminating
 * TLS with a certificate for 127.0.0.1 and refusing every client without a certificate of the test CA.
 *
 * <p>haproxy rather than stunnel: gRPC clients require the server to select {@code h2} by ALPN, and
 * stunnel 5.68 negotiates no ALPN at all (grpc-java then fails with "Failed ALPN negotiation"). The dev
 * server has no TLS settings of its own. Behind the TLS port haproxy forwards the bytes unchanged to the
 * dev server's plain HTTP/2 port.
 */
final class TlsTerminator implements AutoCloseable {
  /** The files of the test's PKI: a CA, the server's certificate and key, a client's certificate and key. */
  record Pki(Path ca, Path serverCert, Path serverKey, Path clientCert, Path clientKey) {}

  private final Process process;
  private final String address;
  private final Pki pki;

  private TlsTerminator(Process process, String address, Pki pki) {
    this.process = process;
    this.address = address;
    this.pki = pki;
  }

  /** Generates the certificates in {@code dir} and starts haproxy in front of {@code backend}. */
  static TlsTerminator start(Path dir, String backend) {
    Pki pki = generate(dir);
    int port = DevServer.freePort();
    Path bundle = dir.resolve("server-bundle.pem");
    Path config = dir.resolve("haproxy.cfg");
    try {
      Files.writeString(bundle, Files.readString(pki.serverCert()) + Files.readString(pki.serverKey()));
      // verify required: the TLS handshake fails without a client certificate signed by the CA.
      Files.writeString(config, String.join("\n",
          "global",
          "  log stderr format raw local0 info",
          "defaults",
          "  mode tcp",
          "  log global",
          "  timeout connect 5s",
          "  timeout client 30m",
          "  timeout server 30m",
          "frontend temporal_mtls",
          "  bind 127.0.0.1:" + port + " ssl crt " + bundle + " ca-file " + pki.ca() + " verify required alpn h2",
          "  default_backend temporal",
          "backend temporal",
          "  server dev " + backend,
          ""));
      Process process = new ProcessBuilder(List.of("haproxy", "-db", "-f", config.toString()))
          .redirectErrorStream(true)
          .redirectOutput(dir.resolve("haproxy.log").toFile())
          .start();
      String address = "127.0.0.1:" + port;
      Awaits.until("haproxy listens on " + address, Duration.ofSeconds(30), () -> {
        if (!process.isAlive()) {
          throw new AssertionError("haproxy exited; see " + dir.resolve("haproxy.log"));
        }
        return accepts(port);
      });
      return new TlsTerminator(process, address, pki);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The TLS address, {@code 127.0.0.1:PORT}. */
  String address() {
    return address;
  }

  Pki pki() {
    return pki;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A CA, a server certificate for 127.0.0.1 (subjectAltName) and a client certificate, with openssl. */
  private static Pki generate(Path dir) {
    Pki pki = new Pki(dir.resolve("ca.pem"), dir.resolve("server.pem"), dir.resolve("server.key"),
        dir.resolve("client.pem"), dir.resolve("client.key"));
    Path caKey = dir.resolve("ca.key");
    Commands.ok("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=vmbackup test CA",
        "-keyout", caKey.toString(), "-out", pki.ca().toString());
    sign(dir, "server", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n", pki, caKey);
    sign(dir, "client", "/CN=vmbackup-worker", "extendedKeyUsage=clientAuth\n", pki, caKey);
    return pki;
  }

  /** A key (PKCS#8, as openssl 3 writes it) and a certificate for it, signed by the CA. */
  private static void sign(Path dir, String name, String subject, String extensions, Pki pki, Path caKey) {
    Path csr = dir.resolve(name + ".csr");
    Path ext = dir.resolve(name + ".ext");
    try {
      Files.writeString(ext, extensions);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Commands.ok("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", subject,
        "-keyout", dir.resolve(name + ".key").toString(), "-out", csr.toString());
    Commands.ok("openssl", "x509", "-req", "-in", csr.toString(), "-CA", pki.ca().toString(), "-CAkey", caKey.toString(),
        "-CAcreateserial", "-days", "2", "-extfile", ext.toString(), "-out", dir.resolve(name + ".pem").toString());
  }

  private static boolean accepts(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 300);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
