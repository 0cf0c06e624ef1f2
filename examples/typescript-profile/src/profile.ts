// A researcher's profile page from ONE GraphQL request: who they are, the figures a source reported beside
// those Scholar Graph computes, a page of papers, the top coauthors, and papers and citations per year.
// The types come from schema/schema.graphql through graphql-codegen (src/gql/, `npm run codegen`): a field
// renamed or removed in the schema breaks the build, not the page. Only `fetch` is needed, in a browser or
// in Node.

import { graphql } from "./gql/index.js";
import type { ProfileQuery, ProfileQueryVariables, TypedDocumentString } from "./gql/graphql.js";

export const ProfileDocument = graphql(`
  query Profile($id: ID!, $papersFirst: Int!, $papersAfter: String, $coauthorsFirst: Int!) {
    author(id: $id) {
      id
      name
      primaryCategory
      externalIds {
        scheme
        value
        url
      }
      reportedMetrics {
        hIndex
        citationCount
        paperCount
        novelty
        aiScore
        source
        asOf
      }
      computedMetrics {
        hIndex
        citationCount
        paperCount
        i10Index
        gIndex
        mQuotient
        computedAt
        countsByYear {
          year
          paperCount
          citationCount
        }
      }
      papers(first: $papersFirst, after: $papersAfter, orderBy: NEWEST) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        nodes {
          id
          title
          publishedOn
          publishedPrecision
          primaryCategory
          hasCode
          codeUrl
          citationCount
          authorsComplete
          authors {
            id
            name
          }
        }
      }
      coauthors(first: $coauthorsFirst) {
        totalCount
        nodes {
          sharedPaperCount
          firstSharedYear
          lastSharedYear
          author {
            id
            name
          }
        }
      }
    }
  }
`);

/** The author as the query selects it, or null when the id names no author. */
export type Profile = ProfileQuery["author"];
export type Author = NonNullable<Profile>;

export interface ProfileOptions {
  /** Papers per page (the service allows 0 to 100). */
  papersFirst?: number;
  /** `pageInfo.endCursor` of the page before. */
  papersAfter?: string | null;
  /** How many coauthors, most shared papers first. */
  coauthorsFirst?: number;
  /** Sent as `Authorization: Bearer …` when given. */
  apiKey?: string;
}

/** A refused or failed request: the service's stable code (`TOO_FAST`, `INVALID_INPUT`, …) and, on a 429 or
 * a 503, the seconds it asks the client to wait before trying again. */
export class ProfileError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null,
    readonly retryAfter: number | null,
  ) {
    super(message);
    this.name = "ProfileError";
  }
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** Send one operation to a GraphQL endpoint and return its data, typed by the document. */
export async function execute<TResult, TVariables>(
  endpoint: string,
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  headers: Record<string, string> = {},
): Promise<TResult> {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/graphql-response+json",
      ...headers,
    },
    body: JSON.stringify({ query: document.toString(), variables }),
  });
  let body: GraphQLResponse<TResult>;
  try {
    body = (await response.json()) as GraphQLResponse<TResult>;
  } catch {
    throw new ProfileError(`${response.status} ${response.statusText}: not a GraphQL answer`, response.status, null, null);
  }
  const [error] = body.errors ?? [];
  if (error !== undefined || !response.ok || body.data == null) {
    const header = response.headers.get("Retry-After");
    const retryAfter = header !== null && /^\d+$/.test(header) ? Number(header) : null;
    const message = error?.message ?? `${response.status} ${response.statusText}`;
    throw new ProfileError(message, response.status, error?.extensions?.code ?? null, retryAfter);
  }
  return body.data;
}

/** The profile of one author (a global id such as `QXV0aG9yOjE`, or `orcid:…`), in one request. */
export async function fetchProfile(endpoint: string, authorId: string, options: ProfileOptions = {}): Promise<Profile> {
  const variables: ProfileQueryVariables = {
    id: authorId,
    papersFirst: options.papersFirst ?? 10,
    papersAfter: options.papersAfter ?? null,
    coauthorsFirst: options.coauthorsFirst ?? 5,
  };
  const headers: Record<string, string> = options.apiKey ? { Authorization: `Bearer ${options.apiKey}` } : {};
  const data = await execute(endpoint, ProfileDocument, variables, headers);
  return data.author;
}

// --- Rendering ---------------------------------------------------------------------------------------------

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text made safe for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character);
}

function figure(value: number | null | undefined, digits = 0): string {
  return value == null ? "—" : value.toLocaleString("en-US", { maximumFractionDigits: digits });
}

function renderMetrics(author: Author): string {
  const reported = author.reportedMetrics[0]; // the newest set a source reported, if any
  const computed = author.computedMetrics;
  const rows: [string, number | null | undefined, number | null | undefined, number?][] = [
    ["h-index", reported?.hIndex, computed.hIndex],
    ["Citations", reported?.citationCount, computed.citationCount],
    ["Papers", reported?.paperCount, computed.paperCount],
    ["i10-index", undefined, computed.i10Index],
    ["g-index", undefined, computed.gIndex],
    ["m-quotient", undefined, computed.mQuotient, 2],
  ];
  const reportedHead = reported
    ? `Reported by ${escapeHtml(reported.source)}${reported.asOf ? `, as of ${escapeHtml(reported.asOf)}` : ""}`
    : "Reported (no source reports figures)";
  const computedHead = `Computed here${computed.computedAt ? `, ${escapeHtml(computed.computedAt.slice(0, 10))}` : ""}`;
  const body = rows
    .map(
      ([label, left, right, digits]) =>
        `<tr><th scope="row">${label}</th><td class="reported">${figure(left, digits)}</td>` +
        `<td class="computed">${figure(right, digits)}</td></tr>`,
    )
    .join("");
  const scores = reported && (reported.novelty != null || reported.aiScore != null)
    ? `<p class="scores">Novelty ${figure(reported.novelty == null ? null : reported.novelty * 100)}% · AI score ${figure(reported.aiScore)}</p>`
    : "";
  return (
    `<section class="metrics"><h2>Figures</h2><table><thead><tr><th></th><th>${reportedHead}</th>` +
    `<th>${computedHead}</th></tr></thead><tbody>${body}</tbody></table>${scores}</section>`
  );
}

function renderYears(author: Author): string {
  const years = author.computedMetrics.countsByYear;
  if (years.length === 0) return "";
  const most = Math.max(1, ...years.map((year) => Math.max(year.paperCount, year.citationCount)));
  const bar = (count: number, kind: string): string =>
    `<span class="bar ${kind}" style="width:${Math.round((100 * count) / most)}%"></span>`;
  const rows = years
    .map(
      (year) =>
        `<tr><th scope="row">${year.year}</th><td>${year.paperCount}</td><td>${year.citationCount}</td>` +
        `<td class="chart">${bar(year.paperCount, "papers")}${bar(year.citationCount, "citations")}</td></tr>`,
    )
    .join("");
  return (
    `<section class="years"><h2>Papers and citations per year</h2><table><thead><tr><th>Year</th>` +
    `<th>Papers</th><th>Citations</th><th></th></tr></thead><tbody>${rows}</tbody></table></section>`
  );
}

function renderPapers(author: Author, papersAfter: string | null): string {
  const papers = author.papers;
  const items = papers.nodes
    .map((paper) => {
      const byline = paper.authors.map((person) => escapeHtml(person.name)).join(", ");
      const etAl = paper.authorsComplete ? "" : ", et al.";
      const code = paper.codeUrl
        ? ` · <a href="${escapeHtml(paper.codeUrl)}">code</a>`
        : paper.hasCode
          ? " · code"
          : "";
      return (
        `<li data-id="${escapeHtml(paper.id)}"><span class="title">${escapeHtml(paper.title)}</span>` +
        `<span class="byline">${byline}${etAl}</span><span class="meta">${escapeHtml(paper.publishedOn ?? "undated")}` +
        ` · ${escapeHtml(paper.primaryCategory ?? "")} · ${paper.citationCount} citations${code}</span></li>`
      );
    })
    .join("");
  const next =
    papers.pageInfo.hasNextPage && papers.pageInfo.endCursor
      ? `<a class="next" rel="next" href="?after=${encodeURIComponent(papers.pageInfo.endCursor)}">Next papers</a>`
      : "";
  const shown = papers.nodes.length;
  const from = papersAfter ? "more" : "the newest";
  return (
    `<section class="papers"><h2>Papers (${papers.totalCount})</h2><p class="page">${shown} of ` +
    `${papers.totalCount}, ${from}</p><ol>${items}</ol>${next}</section>`
  );
}

function renderCoauthors(author: Author): string {
  const items = author.coauthors.nodes
    .map((edge) => {
      const years =
        edge.firstSharedYear == null
          ? ""
          : edge.firstSharedYear === edge.lastSharedYear
            ? ` (${edge.firstSharedYear})`
            : ` (${edge.firstSharedYear}–${edge.lastSharedYear})`;
      const papers = edge.sharedPaperCount === 1 ? "1 paper" : `${edge.sharedPaperCount} papers`;
      return `<li data-id="${escapeHtml(edge.author.id)}">${escapeHtml(edge.author.name)}: ${papers}${years}</li>`;
    })
    .join("");
  return `<section class="coauthors"><h2>Top coauthors (of ${author.coauthors.totalCount})</h2><ul>${items}</ul></section>`;
}

/** The profile as an HTML fragment (everything from the service escaped), or a line saying no one was found. */
export function renderProfile(profile: Profile, papersAfter: string | null = null): string {
  if (profile == null) return `<article class="profile"><p>No such author.</p></article>`;
  const category = profile.primaryCategory ? `<p class="category">${escapeHtml(profile.primaryCategory)}</p>` : "";
  const ids = profile.externalIds
    .map((id) => (id.url ? `<a href="${escapeHtml(id.url)}">${escapeHtml(id.scheme)}</a>` : escapeHtml(id.scheme)))
    .join(" · ");
  return (
    `<article class="profile" data-id="${escapeHtml(profile.id)}"><h1>${escapeHtml(profile.name)}</h1>${category}` +
    (ids ? `<p class="ids">${ids}</p>` : "") +
    renderMetrics(profile) +
    renderYears(profile) +
    renderPapers(profile, papersAfter) +
    renderCoauthors(profile) +
    `</article>`
  );
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.4}
table{border-collapse:collapse}th,td{padding:.2rem .6rem;text-align:left}.computed,.reported{text-align:right}
.chart{width:16rem}.bar{display:block;height:.4rem;margin:.1rem 0}.papers.bar,.bar.papers{background:#4a7bd0}
.bar.citations{background:#d0894a}li{margin:.4rem 0}.title{display:block;font-weight:600}
.byline,.meta{display:block;color:#555;font-size:.9em}`;

/** A whole HTML page around `renderProfile`, to save and open in a browser. */
export function renderPage(profile: Profile, papersAfter: string | null = null): string {
  const title = profile == null ? "No such author" : `${profile.name} · Scholar Graph`;
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    `<style>${STYLE}</style></head><body>${renderProfile(profile, papersAfter)}</body></html>\n`
  );
}
