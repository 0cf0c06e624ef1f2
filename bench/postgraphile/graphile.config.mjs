// PostGraphile 5 as the serving benchmark runs it: the Amber preset over the benchmark's database, exposing
// its tables (schema public) and the few functions of functions.sql (schema sg_postgraphile). Production
// settings: no GraphiQL, no schema watching, no explain. DATABASE_URL and PORT come from the benchmark.
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString: process.env.DATABASE_URL,
      schemas: ["public", "sg_postgraphile"],
      poolConfig: { max: Number(process.env.POOL_MAX ?? 10), application_name: "sg_bench_postgraphile" },
    }),
  ],
  grafserv: { port: Number(process.env.PORT ?? 5678), host: "127.0.0.1", graphiql: false, watch: false },
  grafast: { explain: false },
};

export default preset;
