/**
 * The OAI-PMH 2.0 endpoint of im-api.md §1.7.28, for what needs no template repository: Identify,
 * ListMetadataFormats, ListSets (always `noSetHierarchy`) and the protocol's `badVerb` /
 * `badArgument` errors, each inside a 200 `text/xml` response. The record verbs need the TOSCA
 * templates under OAIPMH_REPO_BASE_IDENTIFIER_URL, which this server does not read: they answer
 * 501 naming what is not supported.
 */
import { NotSupportedError } from "./media.js";

export interface OaiSettings {
  OAIPMH_REPO_BASE_IDENTIFIER_URL?: string | undefined;
  OAIPMH_REPO_NAME?: string | undefined;
  OAIPMH_REPO_DESCRIPTION?: string | undefined;
  OAIPMH_REPO_ADMIN_EMAIL?: string | undefined;
}

const FORMATS = [
  {
    prefix: "oai_dc",
    schema: "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
    namespace: "http://www.openarchives.org/OAI/2.0/oai_dc/",
  },
  {
    prefix: "oai_openaire",
    schema: "https://www.openaire.eu/schema/1.0/oaf-1.0.xsd",
    namespace: "http://namespace.openaire.eu/schema/oaire/",
  },
  {
    prefix: "oai_datacite",
    schema: "https://schema.datacite.org/meta/kernel-4.3/metadata.xsd",
    namespace: "http://datacite.org/schema/kernel-4",
  },
];

const RECORD_VERBS = ["ListIdentifiers", "ListRecords", "GetRecord"];
const ALLOWED_ARGUMENTS: Record<string, string[]> = {
  Identify: [],
  ListMetadataFormats: ["identifier"],
  ListSets: ["resumptionToken"],
};

export function oaiEnabled(settings: OaiSettings): boolean {
  return Boolean(
    settings.OAIPMH_REPO_BASE_IDENTIFIER_URL && settings.OAIPMH_REPO_NAME && settings.OAIPMH_REPO_DESCRIPTION,
  );
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const element = (name: string, text: string) => `<${name}>${escapeXml(text)}</${name}>`;

/**
 * The XML answer to one OAI-PMH request. `args` are the query (GET) or form (POST) arguments;
 * `endpoint` is the public URL of `/oai`.
 */
export function oaiResponse(
  settings: OaiSettings,
  args: Record<string, string>,
  endpoint: string,
  now = new Date(),
): string {
  const verb = args.verb;
  const known = verb !== undefined && Object.hasOwn(ALLOWED_ARGUMENTS, verb);
  if (verb !== undefined && RECORD_VERBS.includes(verb)) {
    throw new NotSupportedError(
      `OAI-PMH ${verb} is not supported by this server: it does not read the TOSCA templates of OAIPMH_REPO_BASE_IDENTIFIER_URL.`,
    );
  }
  const requestAttrs = known
    ? Object.entries(args)
        .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
        .join("")
    : "";
  let body: string;
  if (!known) {
    body = `<error code="badVerb">${escapeXml(verb === undefined ? "Missing verb argument." : `Illegal verb: ${verb}`)}</error>`;
  } else {
    const extra = Object.keys(args).filter((k) => k !== "verb" && !ALLOWED_ARGUMENTS[verb]!.includes(k));
    if (extra.length > 0) {
      body = `<error code="badArgument">${escapeXml(`Illegal arguments for ${verb}: ${extra.join(", ")}`)}</error>`;
    } else if (verb === "Identify") {
      body =
        "<Identify>" +
        element("repositoryName", settings.OAIPMH_REPO_NAME ?? "") +
        element("baseURL", endpoint) +
        element("protocolVersion", "2.0") +
        element("earliestDatestamp", "2000-01-01") +
        element("deletedRecord", "no") +
        element("granularity", "YYYY-MM-DD") +
        (settings.OAIPMH_REPO_ADMIN_EMAIL ? element("adminEmail", settings.OAIPMH_REPO_ADMIN_EMAIL) : "") +
        `<description>${element("repositoryDescription", settings.OAIPMH_REPO_DESCRIPTION ?? "")}</description>` +
        "</Identify>";
    } else if (verb === "ListMetadataFormats") {
      body =
        "<ListMetadataFormats>" +
        FORMATS.map(
          (f) =>
            `<metadataFormat>${element("metadataPrefix", f.prefix)}${element("schema", f.schema)}${element("metadataNamespace", f.namespace)}</metadataFormat>`,
        ).join("") +
        "</ListMetadataFormats>";
    } else {
      body = '<error code="noSetHierarchy">This repository does not support sets.</error>';
    }
  }
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" ' +
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ' +
    'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">' +
    element("responseDate", `${now.toISOString().slice(0, 19)}Z`) +
    `<request${requestAttrs}>${escapeXml(endpoint)}</request>` +
    body +
    "</OAI-PMH>"
  );
}
