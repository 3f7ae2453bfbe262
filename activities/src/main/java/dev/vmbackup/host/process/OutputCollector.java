package dev.vmbackup.host.process;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Reads one output stream of a process to its end on a thread of its own. */
final class OutputCollector {
  private final InputStream in;
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private final Thread thread;

  private OutputCollector(InputStream in, String name) {
    this.in = in;
    this.thread = new Thread(this::drain, "process-output " + name);
    // A daemon thread, because a background grandchild holding the pipe open must not keep the JVM alive.
    this.thread.setDaemon(true);
  }

  static OutputCollector start(InputStream in, String name) {
    OutputCollector collector = new OutputCollector(in, name);
    collector.thread.start();
    return collector;
  }

  private void drain() {
    byte[] buffer = new byte[64 * 1024];
    try (in) {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        synchronized (captured) {
          captured.write(buffer, 0, n);
        }
      }
    } catch (IOException e) {
      // The pipe was closed under us (the process was killed); what was read so far is kept.
    }
  }

  /** Waits until the stream has ended or the time is up, whichever comes first. */
  void await(Duration timeout) throws InterruptedException {
    thread.join(Math.max(1, timeout.toMillis()));
  }

  /** What was read so far, as UTF-8. */
  String text() {
    synchronized (captured) {
      return captured.toString(StandardCharsets.UTF_8);
    }
  }
}
