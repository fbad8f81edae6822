// Expanding `$VAR` references inside variable values, once, like GitLab.
import { describe, expect, it } from "vitest";
import { expandReferences, expandVariables } from "../../../sandbox/runner/variable-expansion.ts";

describe("expandVariables", () => {
  const outer = { CI_PROJECT_NAME: "demo", PATH: "/usr/bin" };

  it("expands $VAR and ${VAR} from the outer environment and from expanded sibling variables", () => {
    const expanded = expandVariables(
      { APP: "${CI_PROJECT_NAME}-app", URL: "https://$HOST/$APP", HOST: "example.test" },
      outer,
    );
    expect(expanded).toEqual({ APP: "demo-app", URL: "https://example.test/demo-app", HOST: "example.test" });
  });

  it("lets a variable extend the value it shadows", () => {
    expect(expandVariables({ PATH: "$PATH:/opt/tool/bin" }, outer)).toEqual({
      PATH: "/usr/bin:/opt/tool/bin",
    });
  });

  it("turns unknown references into nothing and $$ into a literal $", () => {
    expect(expandVariables({ A: "x${NOPE}y", B: "cost: $$5" }, outer)).toEqual({ A: "xy", B: "cost: $5" });
  });

  it("never expands a value taken from the outer environment again, and survives a reference cycle", () => {
    expect(expandVariables({ TOKEN_COPY: "$SECRET" }, { SECRET: "pa$word" })).toEqual({
      TOKEN_COPY: "pa$word",
    });
    expect(expandVariables({ A: "a$B", B: "b$A" }, {})).toEqual({ A: "aba$B", B: "ba$B" });
  });

  it("leaves the decision about unknown names to the lookup", () => {
    expect(expandReferences("$A and $B", (name) => (name === "A" ? "1" : `$${name}`))).toBe("1 and $B");
  });
});
