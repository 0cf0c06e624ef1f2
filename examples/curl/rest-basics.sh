#!/usr/bin/env bash
# The REST basics of Scholar Graph with nothing but curl (and sed, grep, cut):
#   1. find an author by name            GET  /v1/authors?search=…
#   2. read the author and every figure  GET  /v1/authors/{id}
#   3. fetch the metrics of many authors GET  /v1/authors/metrics?ids=a,b,c   (POST for up to 1,000 ids)
#   4. page through their papers         GET  /v1/authors/{id}/papers?first=5, then &after=<next_cursor>
#   5. read the limits every answer carries, and what a 429 looks like
#
# Usage: examples/curl/rest-basics.sh [BASE_URL] [NAME]
#        (default http://127.0.0.1:8000, as `scholargraph serve` listens, and the seed's author)
# Answers are printed as the service sends them, compact JSON; pipe one through `jq .` to read it better.
# Every request goes through `call`, which retries a 429 or a 503 after the Retry-After the service sent.
set -euo pipefail

BASE_URL="${1:-http://127.0.0.1:8000}"
NAME="${2:-louis bethune}"
MAX_ATTEMPTS="${MAX_ATTEMPTS:-5}" # sends of one request, at most
MAX_WAIT="${MAX_WAIT:-60}"         # the longest Retry-After this script waits, in seconds

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# call URL [curl options…]: print the body of a 2xx answer. On a 429 (too_fast, budget_spent) or a 503
# (overloaded, timeout, database_unavailable) wait the seconds of Retry-After and send it again, at most
# MAX_ATTEMPTS times; any other status is an error whose body says why ({"error": {"code", "message"}}).
call() {
    local attempt=1 status wait code
    while true; do
        status="$(curl -sS -o "$work/body" -D "$work/headers" -w '%{http_code}' "$@")"
        case "$status" in
        2??)
            cat "$work/body"
            echo
            return 0
            ;;
        429 | 503)
            # The service gives Retry-After in whole seconds (an HTTP date is allowed too; not read here).
            wait="$(grep -i '^retry-after:' "$work/headers" | tr -d '\r' | cut -d' ' -f2 || true)"
            code="$(grep -o '"code":"[^"]*"' "$work/body" | head -n1 | cut -d'"' -f4 || true)"
            if [ "$attempt" -ge "$MAX_ATTEMPTS" ] || ! [[ "$wait" =~ ^[0-9]+$ ]] || [ "$wait" -gt "$MAX_WAIT" ]; then
                echo "refused: $status $code, Retry-After: ${wait:-none}: $(cat "$work/body")" >&2
                return 1
            fi
            echo "($status $code: waiting $wait s, as Retry-After says)" >&2
            sleep "$wait"
            attempt=$((attempt + 1))
            ;;
        *)
            echo "error: $status $(cat "$work/body")" >&2
            return 1
            ;;
        esac
    done
}

# field NAME: the first string value of NAME in the JSON on stdin (enough for ids and cursors, which are
# plain ASCII; use jq for anything more).
field() { grep -o "\"$1\":\"[^\"]*\"" | head -n1 | cut -d'"' -f4; }

echo "== 1. Find an author by name: GET /v1/authors?search=$NAME&first=1"
# Search is accent- and case-insensitive and tolerates typos; -G with --data-urlencode builds the query.
# The answer is a page of authors, each with every figure (as in step 2); here only the id and name.
found="$(call -G "$BASE_URL/v1/authors" --data-urlencode "search=$NAME" --data-urlencode "first=1")"
author="$(field id <<<"$found")"
if [ -z "$author" ]; then
    echo "no author matches '$NAME'" >&2
    exit 1
fi
echo "id: $author, name: $(field name <<<"$found")"

echo
echo "== 2. The author with every set of figures: GET /v1/authors/$author"
# metrics: the figures to show (the newest reported set, with its source and as_of date, gaps filled from
# the computed set); computed_metrics: from the papers and citations stored here; reported_metrics: every
# set a source reported. Neither overwrites the other.
call "$BASE_URL/v1/authors/$author"

echo
echo "== 3. Metrics in bulk: GET /v1/authors/metrics?ids=…"
# Two of the author's coauthors, the author, and an id that names no one: answered in the order asked,
# null for the unknown id. Up to 100 ids in a GET; POST {"ids": [...]} takes up to 1,000.
coauthors="$(call "$BASE_URL/v1/authors/$author/coauthors?first=2")"
ids="$(grep -o '"author":{"id":"[^"]*"' <<<"$coauthors" | cut -d'"' -f6 | paste -sd, -)"
call "$BASE_URL/v1/authors/metrics?ids=$ids,$author,QXV0aG9yOjk5OTk5"
echo "-- the same as POST:"
call "$BASE_URL/v1/authors/metrics" -H 'Content-Type: application/json' -d "{\"ids\": [\"$author\"]}"

echo
echo "== 4. Papers, paged by cursor: GET /v1/authors/$author/papers?first=5&sort=oldest"
# Every page says total_count (the whole list), has_more, and next_cursor: pass it as `after`, with the
# other parameters unchanged, for the next page (null on the last page).
page="$(call -G "$BASE_URL/v1/authors/$author/papers" --data-urlencode "first=5" --data-urlencode "sort=oldest")"
page_number=1
while true; do
    total="$(grep -o '"total_count":[0-9]*' <<<"$page" | cut -d: -f2)"
    echo "page $page_number (of $total papers):"
    grep -o '"title":"[^"]*"' <<<"$page" | cut -d'"' -f4 | sed 's/^/  /'
    cursor="$(field next_cursor <<<"$page")"
    if [ -z "$cursor" ] || [ "$page_number" -ge 2 ]; then
        break # two pages are enough to show it; the loop would go on to the last one
    fi
    page_number=$((page_number + 1))
    page="$(call -G "$BASE_URL/v1/authors/$author/papers" --data-urlencode "first=5" --data-urlencode "sort=oldest" \
        --data-urlencode "after=$cursor")"
done

echo
echo "== 5. Limits: the figures every answer carries"
# Request-Cost: what this request cost (1 for one record; 1 + first for a list; 1 + ids for a bulk look-up).
# RateLimit-Policy: the quotas: "budget";q=<points>;w=<window s>, "requests";q=<per second>;w=1.
# RateLimit: what remains of each (r) and the seconds until it is whole again (t).
# A refusal is a 429 that carries the same headers, nothing having run or been spent:
#   HTTP/1.1 429 Too Many Requests
#   Retry-After: 1                      <- seconds to wait before sending the same request again
#   RateLimit: "requests";r=0;t=1       <- the quota that ran out
#   {"error":{"code":"too_fast","message":"…","retry_after":1}}
# `too_fast`: more requests in a second than allowed: wait Retry-After (1 s), then send more slowly.
# `budget_spent`: the window's cost budget is spent: Retry-After runs to the end of the window; a cheaper
# request that fits what remains still passes. A 503 (overloaded, database_unavailable) has Retry-After
# too. `call` above waits them out; an API key (Authorization: Bearer sg_…) has a budget of its own.
curl -sS -o /dev/null -D - "$BASE_URL/v1/authors/$author" | tr -d '\r' | grep -i -E '^(request-cost|ratelimit-policy|ratelimit):'
