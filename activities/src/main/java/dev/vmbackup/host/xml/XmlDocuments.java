package dev.vmbackup.host.xml;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerConfigurationException;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.xml.sax.ErrorHandler;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * Secure parsing and serialising of the small XML documents libvirt exchanges with us.
 *
 * <p>Domain XML comes from libvirt and from backup repositories, so it is treated as untrusted: DTDs
 * are refused outright, which rules out entity expansion and external entity tricks, and nothing is
 * ever fetched from outside the string.
 */
final class XmlDocuments {
  private static final String DISALLOW_DOCTYPE = "http://apache.org/xml/features/disallow-doctype-decl";
  private static final String EXTERNAL_GENERAL_ENTITIES = "http://xml.org/sax/features/external-general-entities";
  private static final String EXTERNAL_PARAMETER_ENTITIES =
      "http://xml.org/sax/features/external-parameter-entities";
  private static final String LOAD_EXTERNAL_DTD = "http://apache.org/xml/features/nonvalidating/load-external-dtd";
  private static final String INDENT_AMOUNT = "{http://xml.apache.org/xslt}indent-amount";

  private XmlDocuments() {}

  /** Parses {@code xml}; malformed or forbidden input raises {@link IllegalArgumentException}. */
  static Document parse(String xml) {
    if (xml == null || xml.isBlank()) {
      throw new IllegalArgumentException("Malformed XML: the document is empty");
    }
    try {
      DocumentBuilder builder = newBuilder();
      return builder.parse(new InputSource(new StringReader(xml)));
    } catch (SAXParseException e) {
      throw new IllegalArgumentException(
          "Malformed XML at line " + e.getLineNumber() + ", column " + e.getColumnNumber() + ": "
              + firstLine(e.getMessage()),
          e);
    } catch (SAXException | IOException e) {
      throw new IllegalArgumentException("Malformed XML: " + firstLine(e.getMessage()), e);
    }
  }

  /** An empty document, for building new XML. */
  static Document newDocument() {
    return newBuilder().newDocument();
  }

  /**
   * Serialises {@code document} without an XML declaration. Indenting is only safe for documents built
   * from scratch: on a parsed document the serialiser would add line breaks next to the whitespace that
   * is already there.
   */
  static String serialize(Document document, boolean indent) {
    try {
      Transformer transformer = newTransformerFactory().newTransformer();
      // libvirt does not need the declaration, and a declared encoding would be wrong anyway once the
      // string is handed on as Java characters rather than bytes.
      transformer.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
      transformer.setOutputProperty(OutputKeys.ENCODING, StandardCharsets.UTF_8.name());
      transformer.setOutputProperty(OutputKeys.METHOD, "xml");
      if (indent) {
        transformer.setOutputProperty(OutputKeys.INDENT, "yes");
        transformer.setOutputProperty(INDENT_AMOUNT, "2");
      }
      StringWriter out = new StringWriter();
      transformer.transform(new DOMSource(document), new StreamResult(out));
      return out.toString();
    } catch (TransformerException e) {
      throw new IllegalStateException("Cannot serialise XML: " + firstLine(e.getMessage()), e);
    }
  }

  private static DocumentBuilder newBuilder() {
    try {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      factory.setFeature(DISALLOW_DOCTYPE, true);
      factory.setFeature(EXTERNAL_GENERAL_ENTITIES, false);
      factory.setFeature(EXTERNAL_PARAMETER_ENTITIES, false);
      factory.setFeature(LOAD_EXTERNAL_DTD, false);
      factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
      factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
      factory.setXIncludeAware(false);
      factory.setExpandEntityReferences(false);
      // Namespace awareness keeps foreign elements in <metadata> and <qemu:commandline> intact and
      // lets the navigation helpers tell them apart from libvirt's own, unqualified elements.
      factory.setNamespaceAware(true);
      DocumentBuilder builder = factory.newDocumentBuilder();
      builder.setErrorHandler(new FailingErrorHandler());
      return builder;
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException("The JDK XML parser does not support secure processing", e);
    }
  }

  private static TransformerFactory newTransformerFactory() {
    try {
      TransformerFactory factory = TransformerFactory.newInstance();
      factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
      factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_STYLESHEET, "");
      return factory;
    } catch (TransformerConfigurationException e) {
      throw new IllegalStateException("The JDK XML transformer does not support secure processing", e);
    }
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unknown error";
    }
    String trimmed = message.strip();
    int newline = trimmed.indexOf('\n');
    return newline < 0 ? trimmed : trimmed.substring(0, newline).strip();
  }

  /**
   * Turns every parser complaint into an exception. The default handler would also print fatal errors
   * to standard error, which is noise in worker logs since the caller reports the failure anyway.
   */
  private static final class FailingErrorHandler implements ErrorHandler {
    @Override
    public void warning(SAXParseException exception) {
      // Warnings do not make a document unusable.
    }

    @Override
    public void error(SAXParseException exception) throws SAXException {
      throw exception;
    }

    @Override
    public void fatalError(SAXParseException exception) throws SAXException {
      throw exception;
    }
  }
}
