/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query Profile($id: ID!, $papersFirst: Int!, $papersAfter: String, $coauthorsFirst: Int!) {\n    author(id: $id) {\n      id\n      name\n      primaryCategory\n      externalIds {\n        scheme\n        value\n        url\n      }\n      reportedMetrics {\n        hIndex\n        citationCount\n        paperCount\n        novelty\n        aiScore\n        source\n        asOf\n      }\n      computedMetrics {\n        hIndex\n        citationCount\n        paperCount\n        i10Index\n        gIndex\n        mQuotient\n        computedAt\n        countsByYear {\n          year\n          paperCount\n          citationCount\n        }\n      }\n      papers(first: $papersFirst, after: $papersAfter, orderBy: NEWEST) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        nodes {\n          id\n          title\n          publishedOn\n          publishedPrecision\n          primaryCategory\n          hasCode\n          codeUrl\n          citationCount\n          authorsComplete\n          authors {\n            id\n            name\n          }\n        }\n      }\n      coauthors(first: $coauthorsFirst) {\n        totalCount\n        nodes {\n          sharedPaperCount\n          firstSharedYear\n          lastSharedYear\n          author {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n": typeof types.ProfileDocument,
};
const documents: Documents = {
    "\n  query Profile($id: ID!, $papersFirst: Int!, $papersAfter: String, $coauthorsFirst: Int!) {\n    author(id: $id) {\n      id\n      name\n      primaryCategory\n      externalIds {\n        scheme\n        value\n        url\n      }\n      reportedMetrics {\n        hIndex\n        citationCount\n        paperCount\n        novelty\n        aiScore\n        source\n        asOf\n      }\n      computedMetrics {\n        hIndex\n        citationCount\n        paperCount\n        i10Index\n        gIndex\n        mQuotient\n        computedAt\n        countsByYear {\n          year\n          paperCount\n          citationCount\n        }\n      }\n      papers(first: $papersFirst, after: $papersAfter, orderBy: NEWEST) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        nodes {\n          id\n          title\n          publishedOn\n          publishedPrecision\n          primaryCategory\n          hasCode\n          codeUrl\n          citationCount\n          authorsComplete\n          authors {\n            id\n            name\n          }\n        }\n      }\n      coauthors(first: $coauthorsFirst) {\n        totalCount\n        nodes {\n          sharedPaperCount\n          firstSharedYear\n          lastSharedYear\n          author {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n": types.ProfileDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Profile($id: ID!, $papersFirst: Int!, $papersAfter: String, $coauthorsFirst: Int!) {\n    author(id: $id) {\n      id\n      name\n      primaryCategory\n      externalIds {\n        scheme\n        value\n        url\n      }\n      reportedMetrics {\n        hIndex\n        citationCount\n        paperCount\n        novelty\n        aiScore\n        source\n        asOf\n      }\n      computedMetrics {\n        hIndex\n        citationCount\n        paperCount\n        i10Index\n        gIndex\n        mQuotient\n        computedAt\n        countsByYear {\n          year\n          paperCount\n          citationCount\n        }\n      }\n      papers(first: $papersFirst, after: $papersAfter, orderBy: NEWEST) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        nodes {\n          id\n          title\n          publishedOn\n          publishedPrecision\n          primaryCategory\n          hasCode\n          codeUrl\n          citationCount\n          authorsComplete\n          authors {\n            id\n            name\n          }\n        }\n      }\n      coauthors(first: $coauthorsFirst) {\n        totalCount\n        nodes {\n          sharedPaperCount\n          firstSharedYear\n          lastSharedYear\n          author {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.js').ProfileDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
