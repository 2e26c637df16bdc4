import { defineConfig } from "vite";

// The build is plain static files: hashed assets under /assets/ (cached for a year by
// CloudFront and the local gateway) and index.html (never cached). /config.json is not
// part of the build: the local stack generates it, make deploy-web uploads it.
export default defineConfig({
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    target: "es2022",
    assetsDir: "assets",
    sourcemap: false,
    reportCompressedSize: true,
  },
});
