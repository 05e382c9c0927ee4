import { XmlRpcParseError } from "./errors.js";

/** An element of the small tree XML-RPC needs: namespace prefixes removed, attributes ignored. */
export interface XmlElement {
  name: string;
  children: (XmlElement | string)[];
}

export interface XmlParseOptions {
  /** Deepest element nesting accepted (guards the decoder's recursion). */
  maxDepth?: number;
}

const PREDEFINED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
const NAME = /[A-Za-z_:][-A-Za-z0-9_:.\u00B7-\uFFFF]*/y;

/**
 * A strict, non-validating XML reader for XML-RPC bodies. It refuses DOCTYPE (so no entity
 * declarations, no external entities, no billion laughs), knows only the five predefined entities
 * and character references, normalises line ends as XML 1.0 §2.11 does, and reports every
 * malformation as XmlRpcParseError with the offset, never another exception.
 */
export function parseXml(text: string, options: XmlParseOptions = {}): XmlElement {
  const maxDepth = options.maxDepth ?? 256;
  const src = text.replace(/\r\n?/g, "\n");
  let pos = src.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;

  const fail = (what: string): never => {
    throw new XmlRpcParseError(`malformed XML at offset ${pos}: ${what}`);
  };
  const readName = (): string => {
    NAME.lastIndex = pos;
    const m = NAME.exec(src);
    if (!m) return fail("expected a name");
    pos += m[0].length;
    return m[0];
  };
  const skipBlanks = () => {
    while (pos < src.length && /[ \t\n]/.test(src[pos]!)) pos++;
  };
  const decodeText = (raw: string): string => {
    if (raw.includes("<")) fail("'<' inside text or an attribute");
    return raw.replace(/&([^;&]*);|&/g, (whole, ref: string | undefined) => {
      if (ref === undefined) return fail("'&' that does not start a reference");
      if (ref.startsWith("#")) {
        const code = /^#x[0-9a-fA-F]+$/.test(ref)
          ? parseInt(ref.slice(2), 16)
          : /^#[0-9]+$/.test(ref)
            ? parseInt(ref.slice(1), 10)
            : NaN;
        if (!isXmlChar(code)) return fail(`invalid character reference ${whole}`);
        return String.fromCodePoint(code);
      }
      const value = PREDEFINED[ref];
      if (value === undefined) return fail(`undeclared entity ${whole}`);
      return value;
    });
  };
  const addText = (s: string) => {
    const top = stack[stack.length - 1];
    if (!top) {
      if (s.trim() !== "") fail("text outside the root element");
      return;
    }
    const last = top.children[top.children.length - 1];
    if (typeof last === "string") top.children[top.children.length - 1] = last + s;
    else top.children.push(s);
  };

  while (pos < src.length) {
    const lt = src.indexOf("<", pos);
    if (lt < 0) {
      addText(decodeText(src.slice(pos)));
      pos = src.length;
      break;
    }
    if (lt > pos) addText(decodeText(src.slice(pos, lt)));
    pos = lt;
    if (src.startsWith("<?", pos)) {
      const end = src.indexOf("?>", pos + 2);
      if (end < 0) fail("unterminated processing instruction");
      pos = end + 2;
    } else if (src.startsWith("<!--", pos)) {
      const end = src.indexOf("-->", pos + 4);
      if (end < 0) fail("unterminated comment");
      pos = end + 3;
    } else if (src.startsWith("<![CDATA[", pos)) {
      const end = src.indexOf("]]>", pos + 9);
      if (end < 0 || stack.length === 0) fail("CDATA section outside an element or unterminated");
      addText(src.slice(pos + 9, end));
      pos = end + 3;
    } else if (src.startsWith("<!", pos)) {
      fail("DOCTYPE and other declarations are not accepted");
    } else if (src.startsWith("</", pos)) {
      pos += 2;
      const name = localName(readName());
      skipBlanks();
      if (src[pos] !== ">") fail("expected '>'");
      pos++;
      const open = stack.pop();
      if (!open || open.name !== name) fail(`closing tag </${name}> does not match`);
    } else {
      pos++;
      const name = localName(readName());
      let selfClosing = false;
      for (;;) {
        skipBlanks();
        if (src.startsWith("/>", pos)) {
          selfClosing = true;
          pos += 2;
          break;
        }
        if (src[pos] === ">") {
          pos++;
          break;
        }
        readName();
        skipBlanks();
        if (src[pos] !== "=") fail("expected '=' in an attribute");
        pos++;
        skipBlanks();
        const quote = src[pos];
        if (quote !== '"' && quote !== "'") fail("expected a quoted attribute value");
        const end = src.indexOf(quote!, pos + 1);
        if (end < 0) fail("unterminated attribute value");
        decodeText(src.slice(pos + 1, end));
        pos = end + 1;
      }
      const element: XmlElement = { name, children: [] };
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(element);
      else if (root) fail("more than one root element");
      else root = element;
      if (!selfClosing) {
        if (stack.length >= maxDepth) fail(`elements nested deeper than ${maxDepth}`);
        stack.push(element);
      }
    }
  }
  if (stack.length > 0) fail(`<${stack[stack.length - 1]!.name}> is never closed`);
  if (!root) fail("no root element");
  return root!;
}

function localName(name: string): string {
  const colon = name.lastIndexOf(":");
  return colon >= 0 ? name.slice(colon + 1) : name;
}

/** XML 1.0 Char production. */
export function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}
