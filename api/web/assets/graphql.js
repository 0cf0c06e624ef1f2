// One GraphQL request to this instance's /graphql: the data, or an Error carrying the errors' messages.
export async function graphql(query, variables) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/graphql-response+json, application/json",
    },
    body: JSON.stringify({ query, variables }),
  });
  let body;
  try {
    body = await response.json();
  } catch {
    throw new Error(`the service answered ${response.status} without a GraphQL result`);
  }
  if (body.errors && body.errors.length) {
    throw new Error(body.errors.map((error) => error.message).join("; "));
  }
  if (!response.ok || !body.data) {
    const message = body.error ? body.error.message : `status ${response.status}`;
    throw new Error(message);
  }
  return body.data;
}

// An element with text children only: nothing from the data is ever parsed as HTML.
export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === "string" || typeof child === "number" ? String(child) : child);
  }
  return node;
}

// A link out of the data (a code repository, an identifier's resolver): http(s) only, never `javascript:`.
export function webLink(url) {
  return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
}

export function authorHref(id) {
  return `/authors/${encodeURIComponent(id)}`;
}

export function formatNumber(value, digits = 0) {
  if (value === null || value === undefined) return "—";
  return Number(value).toLocaleString("en", { maximumFractionDigits: digits });
}
