/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** How precisely a publication date is known. */
export type DatePrecision =
  | 'DAY'
  | 'MONTH'
  | 'YEAR';

export type ProfileQueryVariables = Exact<{
  id: string | number;
  papersFirst: number;
  papersAfter?: string | null | undefined;
  coauthorsFirst: number;
}>;


export type ProfileQuery = { author: { id: string, name: string, primaryCategory: string | null, externalIds: Array<{ scheme: string, value: string, url: string | null }>, reportedMetrics: Array<{ hIndex: number | null, citationCount: number | null, paperCount: number | null, novelty: number | null, aiScore: number | null, source: string, asOf: string | null }>, computedMetrics: { hIndex: number | null, citationCount: number | null, paperCount: number | null, i10Index: number | null, gIndex: number | null, mQuotient: number | null, computedAt: string | null, countsByYear: Array<{ year: number, paperCount: number, citationCount: number }> }, papers: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ id: string, title: string, publishedOn: string | null, publishedPrecision: DatePrecision | null, primaryCategory: string | null, hasCode: boolean, codeUrl: string | null, citationCount: number, authorsComplete: boolean, authors: Array<{ id: string, name: string }> }> }, coauthors: { totalCount: number, nodes: Array<{ sharedPaperCount: number, firstSharedYear: number | null, lastSharedYear: number | null, author: { id: string, name: string } }> } } | null };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const ProfileDocument = new TypedDocumentString(`
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
    `) as unknown as TypedDocumentString<ProfileQuery, ProfileQueryVariables>;