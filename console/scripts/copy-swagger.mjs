// Copies Swagger UI (npm swagger-ui-dist) next to the console's build, so /api/v1/docs works
// offline from what is installed with dcaas. Run by `npm run build`, after vite build.
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const dist = dirname(require.resolve("swagger-ui-dist/package.json"));
const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "..", "src", "dcaas", "console", "static", "assets", "swagger");
mkdirSync(out, { recursive: true });
for (const name of ["swagger-ui-bundle.js", "swagger-ui.css", "LICENSE", "NOTICE"]) {
  copyFileSync(join(dist, name), join(out, name));
}
console.log(`copied Swagger UI to ${out}`);
