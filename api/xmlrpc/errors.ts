import { RadlPulumiError } from "../../compiler/errors.js";

/**
 * A body that is not a well-formed XML-RPC message (malformed XML, DOCTYPE, wrong root, unknown
 * type tag, bad scalar text). The server answers it with fault 1 (im-xmlrpc.md §3.4, §3.7).
 */
export class XmlRpcParseError extends RadlPulumiError {
  constructor(message: string) {
    super("E-XMLRPC-PARSE", message);
  }
}

/** A value that XML-RPC cannot carry (null without allow_none, NaN, an integer beyond 64 bits). */
export class XmlRpcMarshalError extends RadlPulumiError {
  constructor(message: string) {
    super("E-XMLRPC-MARSHAL", message);
  }
}
