// node dist/cli.js ENDPOINT AUTHOR_ID [--json] [--first N] [--after CURSOR]
// Prints the author's profile page as HTML (or, with --json, the data the one request answered).
//   node dist/cli.js http://127.0.0.1:8000/graphql QXV0aG9yOjE > profile.html
// SCHOLARGRAPH_API_KEY, when set, is sent as `Authorization: Bearer …`.

import { parseArgs } from "node:util";

import { fetchProfile, ProfileError, renderPage } from "./profile.js";

const USAGE = "usage: node dist/cli.js ENDPOINT AUTHOR_ID [--json] [--first N] [--after CURSOR]";

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: "boolean", default: false },
      first: { type: "string", default: "10" },
      after: { type: "string" },
    },
  });
  const [endpoint, authorId] = positionals;
  const first = Number(values.first);
  if (endpoint === undefined || authorId === undefined || positionals.length > 2 || !Number.isInteger(first)) {
    console.error(USAGE);
    return 2;
  }
  const after = values.after ?? null;
  const apiKey = process.env.SCHOLARGRAPH_API_KEY;
  try {
    const profile = await fetchProfile(endpoint, authorId, {
      papersFirst: first,
      papersAfter: after,
      ...(apiKey ? { apiKey } : {}),
    });
    process.stdout.write(values.json ? `${JSON.stringify(profile, null, 2)}\n` : renderPage(profile, after));
    return profile == null ? 1 : 0;
  } catch (error) {
    if (error instanceof ProfileError) {
      const wait = error.retryAfter == null ? "" : ` (retry after ${error.retryAfter} s)`;
      console.error(`error: ${error.status} ${error.code ?? ""}: ${error.message}${wait}`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
