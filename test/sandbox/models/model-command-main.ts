// Entry point for the model command's tests: `node bin/run-ts.js THIS_FILE ARGS...` runs it as the CLI would.
import { runModelCommand } from "../../../sandbox/models/cli.ts";

process.exitCode = await runModelCommand(process.argv.slice(2));
