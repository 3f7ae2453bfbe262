package dev.vmbackup.host.xml;

import java.util.ArrayList;
import java.util.List;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Navigation and editing helpers for libvirt's unqualified elements.
 *
 * <p>Only direct children are ever looked up, so that elements of the same name inside {@code
 * <metadata>} or deeper in unrelated devices are never picked up by accident. Edits keep the document's
 * existing indentation so that the result still reads like libvirt's own output.
 */
final class Elements {
  private Elements() {}

  /** The direct child elements of {@code parent} named {@code name}, in document order. */
  static List<Element> children(Element parent, String name) {
    List<Element> result = new ArrayList<>();
    for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
      if (isElement(node, name)) {
        result.add((Element) node);
      }
    }
    return result;
  }

  /** The first direct child element of {@code parent} named {@code name}, or null. */
  static Element child(Element parent, String name) {
    if (parent == null) {
      return null;
    }
    for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
      if (isElement(node, name)) {
        return (Element) node;
      }
    }
    return null;
  }

  /** Every element named {@code name} at any depth below {@code root}, in document order. */
  static List<Element> descendants(Element root, String name) {
    List<Element> result = new ArrayList<>();
    collect(root, name, result);
    return result;
  }

  /** The attribute's value, or null when it is absent or empty. */
  static String attribute(Element element, String name) {
    if (element == null || !element.hasAttribute(name)) {
      return null;
    }
    String value = element.getAttribute(name);
    return value.isEmpty() ? null : value;
  }

  /** The element's text content trimmed, or null when it is absent or blank. */
  static String text(Element element) {
    if (element == null) {
      return null;
    }
    String value = element.getTextContent().strip();
    return value.isEmpty() ? null : value;
  }

  /** Whether {@code element} has any child element. */
  static boolean hasChildElements(Element element) {
    return firstChildElement(element) != null;
  }

  /** Whether {@code node} is an unqualified element named {@code name}. */
  static boolean isElement(Node node, String name) {
    return node.getNodeType() == Node.ELEMENT_NODE
        && node.getNamespaceURI() == null
        && name.equals(node.getLocalName() != null ? node.getLocalName() : node.getNodeName());
  }

  /**
   * Removes {@code element} together with the indentation in front of it, leaving no blank line. A
   * parent left with nothing but whitespace is emptied, so that it serialises as {@code <x/>} the way
   * libvirt writes childless elements.
   */
  static void remove(Element element) {
    Node parent = element.getParentNode();
    if (parent == null) {
      return;
    }
    Node previous = element.getPreviousSibling();
    if (isWhitespace(previous)) {
      parent.removeChild(previous);
    }
    parent.removeChild(element);
    if (onlyWhitespace(parent)) {
      while (parent.getFirstChild() != null) {
        parent.removeChild(parent.getFirstChild());
      }
    }
  }

  private static boolean onlyWhitespace(Node parent) {
    for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
      if (!isWhitespace(node)) {
        return false;
      }
    }
    return parent.getFirstChild() != null;
  }

  /**
   * Inserts {@code element} as the first child element of {@code parent}, indented like its future
   * siblings.
   */
  static void prepend(Element parent, Element element) {
    Element first = firstChildElement(parent);
    if (first == null) {
      append(parent, element);
    } else {
      insertBefore(first, element);
    }
  }

  /** Inserts {@code element} right after {@code sibling}, with the same indentation. */
  static void insertAfter(Element sibling, Element element) {
    Node next = sibling.getNextSibling();
    while (next != null && next.getNodeType() != Node.ELEMENT_NODE) {
      next = next.getNextSibling();
    }
    if (next == null) {
      append((Element) sibling.getParentNode(), element);
    } else {
      insertBefore((Element) next, element);
    }
  }

  /** Appends {@code element} as the last child element of {@code parent}, indented like its siblings. */
  static void append(Element parent, Element element) {
    Element sample = firstChildElement(parent);
    Node sampleIndent = sample == null ? null : sample.getPreviousSibling();
    Node last = parent.getLastChild();
    if (isWhitespace(sampleIndent) && isWhitespace(last)) {
      // The trailing whitespace is the closing tag's indentation, so the new element goes in front of
      // it with the siblings' indentation before it.
      parent.insertBefore(sampleIndent.cloneNode(false), last);
      parent.insertBefore(element, last);
    } else {
      parent.appendChild(element);
    }
  }

  private static void insertBefore(Element reference, Element element) {
    Node parent = reference.getParentNode();
    Node indent = reference.getPreviousSibling();
    parent.insertBefore(element, reference);
    if (isWhitespace(indent)) {
      parent.insertBefore(indent.cloneNode(false), reference);
    }
  }

  private static Element firstChildElement(Element parent) {
    for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
      if (node.getNodeType() == Node.ELEMENT_NODE) {
        return (Element) node;
      }
    }
    return null;
  }

  private static boolean isWhitespace(Node node) {
    return node != null && node.getNodeType() == Node.TEXT_NODE && node.getNodeValue().isBlank();
  }

  private static void collect(Element parent, String name, List<Element> result) {
    for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
      if (node.getNodeType() == Node.ELEMENT_NODE) {
        if (isElement(node, name)) {
          result.add((Element) node);
        }
        collect((Element) node, name, result);
      }
    }
  }
}
