package dev.vmbackup.host.xml;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathExpressionException;
import javax.xml.xpath.XPathFactory;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * Test helpers: fixture loading, and an independent plain DOM parse plus XPath so that assertions do
 * not go through the code under test.
 */
final class XmlFixtures {
  /** Inactive XML captured with {@code virsh dumpxml --inactive} from libvirt 9.0. */
  static final String INACTIVE = "fixture-inactive.xml";
  /** Live XML of the same domain while running: backing chains, aliases, seclabel, channel socket. */
  static final String LIVE = "fixture-live.xml";
  /** Live XML after {@code virsh snapshot-create-as --disk-only} of vda and vdb. */
  static final String LIVE_SNAPSHOT = "fixture-live-snapshot.xml";
  /** Live XML after a second snapshot into a directory whose name needs escaping. */
  static final String LIVE_ESCAPED = "fixture-live-escaped.xml";
  /** Hand-written UEFI domain with NVRAM, block and network disks, user alias, log files. */
  static final String UEFI = "uefi-handwritten.xml";

  /** The directory the captured fixtures' images lived in when they were captured. */
  static final String CAPTURE_DIR = "/tmp/vmbackup-xml-capture";

  private XmlFixtures() {}

  static String load(String name) {
    try (InputStream in = XmlFixtures.class.getResourceAsStream("/xml/" + name)) {
      if (in == null) {
        throw new IllegalStateException("Missing fixture " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Document dom(String xml) {
    try {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      return factory.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
    } catch (Exception e) {
      throw new AssertionError("Output is not well-formed XML: " + e.getMessage() + "\n" + xml, e);
    }
  }

  /** The string value of {@code expression}, empty when it selects nothing. */
  static String xpath(Document document, String expression) {
    try {
      return XPathFactory.newInstance().newXPath().evaluate(expression, document);
    } catch (XPathExpressionException e) {
      throw new IllegalArgumentException(expression, e);
    }
  }

  static int count(Document document, String expression) {
    try {
      return ((NodeList) XPathFactory.newInstance().newXPath().evaluate(expression, document, XPathConstants.NODESET))
          .getLength();
    } catch (XPathExpressionException e) {
      throw new IllegalArgumentException(expression, e);
    }
  }
}
