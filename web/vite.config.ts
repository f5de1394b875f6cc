// vite.config.ts: the web UI is built into one directory that `make` embeds
// in the proctor binary (scripts/embed-web.py): no CDN, no runtime fetches.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/",
  build: { assetsDir: "assets", sourcemap: false, target: "es2020", modulePreload: false },
});
