import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The build goes into the Python package, which serves it at / (see src/dcaas/console/web.py).
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "../src/dcaas/console/static",
    emptyOutDir: true,
    // No inline module-preload polyfill: the page's CSP allows no inline script.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1500,
  },
  server: { proxy: { "/api": "http://127.0.0.1:8080" } },
});
