// graphql-codegen: the types of src/profile.ts's query, from the service's published schema.
// `npm run codegen` writes src/gql/ (committed; the example's test regenerates it and compares).
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../../schema/schema.graphql",
  documents: ["src/**/*.ts", "!src/gql/**"],
  generates: {
    "./src/gql/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: "string", // the query travels as text: no GraphQL library in the page
        emitLegacyCommonJSImports: false, // `.js` in the generated imports, as Node's ES modules need
        useTypeImports: true,
        enumsAsTypes: true,
        onlyOperationTypes: true,
        strictScalars: true,
        scalars: { Date: "string", DateTime: "string" },
      },
    },
  },
};

export default config;
