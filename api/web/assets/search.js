// The front page's search: authors and papers matching the words, in one GraphQL request.
import { authorHref, element, graphql } from "./graphql.js";

const SEARCH = `query Search($q: String!) {
  authors(search: $q, first: 8) {
    totalCount
    nodes { id name computedMetrics { paperCount hIndex citationCount } }
  }
  papers(search: $q, first: 8, orderBy: RELEVANCE) {
    totalCount
    nodes { id title publishedOn primaryCategory citationCount authors { id name } }
  }
}`;

const form = document.getElementById("search");
const input = document.getElementById("q");
const status = document.getElementById("search-status");
const results = document.getElementById("results");
const authorList = document.getElementById("author-results");
const paperList = document.getElementById("paper-results");

function authorItem(author) {
  const figures = author.computedMetrics;
  return element(
    "li",
    {},
    element("a", { href: authorHref(author.id), class: "author-result" }, author.name),
    element("span", { class: "muted" }, ` ${figures.paperCount} papers · h-index ${figures.hIndex} (computed)`),
  );
}

function paperItem(paper) {
  const byline = [];
  paper.authors.forEach((author, index) => {
    if (index) byline.push(", ");
    byline.push(element("a", { href: authorHref(author.id) }, author.name));
  });
  const meta = [paper.publishedOn, paper.primaryCategory, `${paper.citationCount} citations`].filter(Boolean);
  return element(
    "li",
    {},
    element("span", { class: "paper-title" }, paper.title),
    element("span", { class: "byline" }, ...byline),
    element("span", { class: "muted" }, meta.join(" · ")),
  );
}

function fill(list, items, render, noun) {
  list.replaceChildren(...(items.length ? items.map(render) : [element("li", { class: "muted none" }, `No ${noun} matches.`)]));
}

async function search(words) {
  status.textContent = "Searching…";
  try {
    const data = await graphql(SEARCH, { q: words });
    fill(authorList, data.authors.nodes, authorItem, "author");
    fill(paperList, data.papers.nodes, paperItem, "paper");
    results.hidden = false;
    const count = (n, noun) => `${n} ${noun}${n === 1 ? "" : "s"}`;
    status.textContent = `${count(data.authors.totalCount, "author")} and ${count(data.papers.totalCount, "paper")} match “${words}”.`;
  } catch (error) {
    status.textContent = `The search failed: ${error.message}`;
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const words = input.value.trim();
  if (!words) return;
  const url = new URL(window.location.href);
  url.searchParams.set("q", words);
  window.history.replaceState(null, "", url);
  search(words);
});

const initial = new URLSearchParams(window.location.search).get("q");
if (initial) {
  input.value = initial;
  search(initial);
}
