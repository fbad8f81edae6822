// An esbuild plugin for every bundle that inlines zod (the package, the Lambda, the Cloud Function): zod's
// index of its ~60 message locales is replaced by English alone. zod registers English itself, and the
// bridge never switches locale (no z.config(z.locales.…) anywhere), but `z.locales` is a namespace esbuild
// cannot shake: the locales were a third of the Lambda bundle (264 of 822 KB) and of its import time.
//
//   await build({ ...options, plugins: [zodEnglishOnly()] });
import { dirname, join } from "node:path";
import type { Plugin } from "esbuild";

const NAMESPACE = "zod-english-only";

export function zodEnglishOnly(): Plugin {
  return {
    name: NAMESPACE,
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
        if (!/[\\/]node_modules[\\/]zod[\\/]v4[\\/]/.test(args.importer)) return undefined;
        return { path: join(args.resolveDir, "..", "locales", "en.js"), namespace: NAMESPACE };
      });
      pluginBuild.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
        contents: `export { default as en } from ${JSON.stringify(args.path)};\n`,
        resolveDir: dirname(args.path),
        loader: "js",
      }));
    },
  };
}
