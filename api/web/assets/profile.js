// The profile page: ONE GraphQL request draws it; filtering or paging the papers sends that same request
// again with other variables.
import { authorHref, element, formatNumber, graphql, webLink } from "./graphql.js";

const PAGE_SIZE = 10;
const FIGURES = `hIndex citationCount paperCount i10Index gIndex mQuotient twoYearMeanCitedness novelty aiScore`;
const PROFILE = `query AuthorProfile($id: ID!, $first: Int!, $after: String, $search: String,
    $filter: PaperFilter, $orderBy: PaperOrder) {
  author(id: $id) {
    id name primaryCategory
    externalIds { scheme value url }
    reportedMetrics { ${FIGURES} source asOf }
    computedMetrics { ${FIGURES} source computedAt countsByYear { year paperCount citationCount } }
    recent: computedMetrics(variant: LAST_5_YEARS) { ${FIGURES} source computedAt }
    allPapers: papers(first: 0) { totalCount facets { categories { value count } years { value count } } }
    papers(first: $first, after: $after, search: $search, filter: $filter, orderBy: $orderBy) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        id title primaryCategory publishedOn hasCode codeUrl citationCount authorsComplete
        externalIds { scheme url }
        authors { id name }
      }
    }
    coauthors(first: 10, orderBy: SHARED_PAPERS) {
      totalCount
      nodes { sharedPaperCount firstSharedYear lastSharedYear author { id name } }
    }
  }
}`;

const ROWS = [
  ["hIndex", "h-index", 0],
  ["citationCount", "Citations", 0],
  ["paperCount", "Papers", 0],
  ["i10Index", "i10-index", 0],
  ["gIndex", "g-index", 0],
  ["mQuotient", "m-quotient", 2],
  ["twoYearMeanCitedness", "2-year mean citedness", 2],
  ["novelty", "Novelty", 2],
  ["aiScore", "AI score", 1],
];

const main = document.getElementById("main");
const authorId = main.dataset.authorId;
const status = document.getElementById("profile-status");
const form = document.getElementById("paper-filters");
const previous = document.getElementById("previous-page");
const next = document.getElementById("next-page");
const state = { after: null, earlier: [], drawn: false, request: 0 };
const ORDERS = ["NEWEST", "MOST_CITED", "OLDEST"];

// The filters: from the address until the form is drawn (a shared link opens on them), then from the form.
function filters() {
  const source = state.drawn ? new FormData(form) : new URLSearchParams(window.location.search);
  const year = String(source.get("year") || "");
  const order = String(source.get("order") || "");
  return {
    search: String(source.get("search") || "").trim(),
    category: String(source.get("category") || ""),
    year: /^\d{4}$/.test(year) ? year : "",
    code: source.has("code"),
    order: ORDERS.includes(order) ? order : ORDERS[0],
  };
}

function variables() {
  const chosen = filters();
  const filter = {};
  if (chosen.category) filter.categories = [chosen.category];
  if (chosen.year) Object.assign(filter, { publishedFrom: `${chosen.year}-01-01`, publishedTo: `${chosen.year}-12-31` });
  if (chosen.code) filter.hasCode = true;
  return {
    id: authorId,
    first: PAGE_SIZE,
    after: state.after,
    search: chosen.search || null,
    filter: Object.keys(filter).length ? filter : null,
    orderBy: chosen.search ? "RELEVANCE" : chosen.order,
  };
}

// The form shows the filters the first request used, and the address keeps them for a link or a reload.
function showFilters(chosen) {
  form.elements.search.value = chosen.search;
  form.elements.category.value = chosen.category;
  form.elements.year.value = chosen.year;
  form.elements.code.checked = chosen.code;
  form.elements.order.value = chosen.order;
}

function keepFiltersInAddress() {
  const chosen = filters();
  const params = new URLSearchParams();
  for (const name of ["search", "category", "year"]) if (chosen[name]) params.set(name, chosen[name]);
  if (chosen.code) params.set("code", "1");
  if (chosen.order !== ORDERS[0]) params.set("order", chosen.order);
  const query = params.toString();
  window.history.replaceState(null, "", query ? `?${query}` : window.location.pathname);
}

function column(figures, kind, index) {
  const heading =
    kind === "reported"
      ? [element("span", {}, `Reported by ${figures.source}`), element("span", { class: "as-of" }, `as of ${figures.asOf}`)]
      : [
          element("span", {}, index === 0 ? "Computed here" : "Computed, last 5 years"),
          element("span", { class: "as-of" }, `at ${new Date(figures.computedAt).toISOString().slice(0, 16).replace("T", " ")} UTC`),
        ];
  return { figures, heading, key: kind === "reported" ? `reported-${index}` : ["computed", "recent"][index] };
}

function drawMetrics(author) {
  const columns = [
    ...author.reportedMetrics.map((figures, index) => column(figures, "reported", index)),
    column(author.computedMetrics, "computed", 0),
    column(author.recent, "computed", 1),
  ];
  const head = element(
    "thead",
    {},
    element("tr", {}, element("th", { scope: "col" }, "Figure"), ...columns.map((c) => element("th", { scope: "col", class: c.key }, ...c.heading))),
  );
  const body = element(
    "tbody",
    {},
    ...ROWS.map(([field, label, digits]) =>
      element(
        "tr",
        { "data-metric": field },
        element("th", { scope: "row" }, label),
        ...columns.map((c) => element("td", { "data-column": c.key, class: c.key }, formatNumber(c.figures[field], digits))),
      ),
    ),
  );
  document.getElementById("metrics").replaceChildren(head, body);
}

function drawChart(counts) {
  const years = counts.map((c) => String(c.year));
  const table = document.getElementById("year-table");
  table.replaceChildren(
    element("thead", {}, element("tr", {}, element("th", { scope: "col" }, "Year"), element("th", { scope: "col" }, "Papers"), element("th", { scope: "col" }, "Citations"))),
    element("tbody", {}, ...counts.map((c) => element("tr", {}, element("th", { scope: "row" }, String(c.year)), element("td", {}, c.paperCount), element("td", {}, c.citationCount)))),
  );
  const canvas = document.getElementById("year-chart");
  if (typeof window.Chart !== "function") {
    canvas.replaceWith(element("p", { class: "muted" }, "The chart library did not load (run scripts/build-graphiql); the table below has the figures."));
    return;
  }
  canvas.dataset.years = String(years.length);
  new window.Chart(canvas, {
    data: {
      labels: years,
      datasets: [
        { type: "bar", label: "Papers", data: counts.map((c) => c.paperCount), yAxisID: "papers", backgroundColor: "#3b6fd8" },
        { type: "line", label: "Citations", data: counts.map((c) => c.citationCount), yAxisID: "citations", borderColor: "#d9731a", backgroundColor: "#d9731a", tension: 0.2 },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        papers: { position: "left", beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "papers" } },
        citations: { position: "right", beginAtZero: true, ticks: { precision: 0 }, grid: { drawOnChartArea: false }, title: { display: true, text: "citations" } },
      },
    },
  });
  canvas.dataset.drawn = "true";
}

function drawHead(author) {
  const meta = [];
  if (author.primaryCategory) meta.push(`Primary category ${author.primaryCategory}`);
  meta.push(`${author.allPapers.totalCount} papers stored`);
  const links = author.externalIds.map((ref) =>
    webLink(ref.url) ? element("a", { href: webLink(ref.url), rel: "external" }, `${ref.scheme}:${ref.value}`) : `${ref.scheme}:${ref.value}`,
  );
  document.getElementById("author-meta").replaceChildren(meta.join(" · "), ...links.flatMap((link) => [" · ", link]));
  const options = (select, facets, label) =>
    select.append(...facets.map((f) => element("option", { value: f.value }, `${label(f.value)} (${f.count})`)));
  options(form.elements.category, author.allPapers.facets.categories, (v) => v);
  const years = [...author.allPapers.facets.years].sort((a, b) => Number(b.value) - Number(a.value));
  options(form.elements.year, years, (v) => v);
}

function drawCoauthors(coauthors) {
  const list = document.getElementById("coauthor-list");
  const items = coauthors.nodes.map((c) => {
    const span = c.firstSharedYear === c.lastSharedYear ? `${c.firstSharedYear ?? "undated"}` : `${c.firstSharedYear}–${c.lastSharedYear}`;
    return element(
      "li",
      {},
      element("a", { href: authorHref(c.author.id) }, c.author.name),
      element("span", { class: "muted" }, ` ${c.sharedPaperCount} shared paper${c.sharedPaperCount === 1 ? "" : "s"}, ${span}`),
    );
  });
  list.replaceChildren(...(items.length ? items : [element("li", { class: "muted none" }, "No coauthor stored.")]));
  if (coauthors.totalCount > coauthors.nodes.length) {
    list.after(element("p", { class: "muted" }, `${coauthors.totalCount} coauthors in all.`));
  }
}

function paperItem(paper) {
  const byline = [];
  paper.authors.forEach((author, index) => {
    if (index) byline.push(", ");
    const name = author.id === authorId ? element("strong", {}, author.name) : author.name;
    byline.push(element("a", { href: authorHref(author.id) }, name));
  });
  if (!paper.authorsComplete) byline.push(" et al.");
  const link = paper.externalIds.map((ref) => webLink(ref.url)).find(Boolean);
  const title = link ? element("a", { href: link, rel: "external" }, paper.title) : paper.title;
  const badges = [
    paper.publishedOn,
    paper.primaryCategory && element("span", { class: "badge" }, paper.primaryCategory),
    paper.hasCode &&
      (webLink(paper.codeUrl)
        ? element("a", { class: "badge code", href: webLink(paper.codeUrl), rel: "external" }, "code")
        : element("span", { class: "badge code" }, "code")),
    `${paper.citationCount} citation${paper.citationCount === 1 ? "" : "s"}`,
  ].filter(Boolean);
  return element(
    "li",
    { class: "paper" },
    element("span", { class: "paper-title" }, title),
    element("span", { class: "byline" }, ...byline),
    element("span", { class: "paper-meta muted" }, ...badges.flatMap((b, i) => (i ? [" · ", b] : [b]))),
  );
}

function drawPapers(papers) {
  const start = state.earlier.length * PAGE_SIZE + 1;
  const end = start + papers.nodes.length - 1;
  document.getElementById("papers-summary").textContent = papers.totalCount
    ? `Papers ${start}–${end} of ${papers.totalCount}`
    : "No paper matches these filters.";
  document.getElementById("paper-list").replaceChildren(...papers.nodes.map(paperItem));
  document.getElementById("paper-list").start = start;
  previous.disabled = state.earlier.length === 0;
  next.disabled = !papers.pageInfo.hasNextPage;
  state.endCursor = papers.pageInfo.endCursor;
}

async function load() {
  const request = ++state.request;
  try {
    const data = await graphql(PROFILE, variables());
    if (request !== state.request) return; // a later request is under way
    const author = data.author;
    if (!author) throw new Error("this author is no longer stored");
    if (!state.drawn) {
      const chosen = filters();
      drawHead(author);
      showFilters(chosen);
      drawMetrics(author);
      drawChart(author.computedMetrics.countsByYear);
      drawCoauthors(author.coauthors);
      state.drawn = true;
      status.hidden = true;
      document.getElementById("profile").hidden = false;
    }
    drawPapers(author.papers);
  } catch (error) {
    status.hidden = false;
    status.textContent = `The profile could not be loaded: ${error.message}`;
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  state.after = null;
  state.earlier = [];
  keepFiltersInAddress();
  load();
});
for (const name of ["category", "year", "code", "order"]) {
  form.elements[name].addEventListener("change", () => form.requestSubmit());
}
next.addEventListener("click", () => {
  state.earlier.push(state.after);
  state.after = state.endCursor;
  load();
});
previous.addEventListener("click", () => {
  state.after = state.earlier.pop() ?? null;
  load();
});
load();
