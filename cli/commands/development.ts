// Loads the commands that only make sense in a development checkout (`demo`, `sandbox`: the sandbox GitLab,
// the scripted model servers, the CLIs from devDependencies). The build leaves their modules out of dist/
// (scripts/build.ts keeps them external, as the checkout's TypeScript sources), so the package and the
// images never carry the sandbox; a built CLI in a checkout still runs them, through tsx. It must never be
// the way a production command is loaded.
import type { Command } from "./command.ts";

// Running from the build, this module is JavaScript in dist/; from the sources it is this .ts file.
const built = !import.meta.url.endsWith(".ts");

export async function fromCheckout(name: string, load: () => Promise<Command>): Promise<Command> {
  try {
    if (built) {
      const { register } = await import("tsx/esm/api");
      register();
    }
    return await load();
  } catch (error) {
    if ((error as { code?: string }).code !== "ERR_MODULE_NOT_FOUND") throw error;
    return {
      run: () => {
        console.error(
          `agent-bridge ${name}: needs a development checkout of agent-bridge (git clone, then npm ci): ` +
            "the sandbox and the scripted models are not part of the installed package",
        );
        return Promise.resolve(2);
      },
    };
  }
}
