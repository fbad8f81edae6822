// The Bedrock access stack's trust and permissions, asserted exactly: who may assume the role (aud exact,
// sub patterns), for how long, and what the role may do, on which ARNs.
import { CloudAssembly } from "aws-cdk-lib/cx-api";
import type { Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  modelResources,
  parseBedrockAccessConfig,
  subPatterns,
} from "../../infra/aws/bedrock-access-config.ts";
import type { BedrockAccessStack } from "../../infra/aws/bedrock-access-stack.ts";
import { InfraConfigError } from "../../infra/aws/config-error.ts";
import { only, props, stableTemplate, synthBedrock } from "./support/cdk.ts";

const SONNET = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const HAIKU = "us.anthropic.claude-haiku-4-5-20251001-v1:0";
const EXISTING_PROVIDER = "arn:aws:iam::123456789012:oidc-provider/gitlab.example.com/gitlab";

let gitlabCom: { stack: BedrockAccessStack; template: Template };
let selfManaged: { stack: BedrockAccessStack; template: Template };

beforeAll(() => {
  gitlabCom = synthBedrock({
    projects: [
      { path: "platform/api", refs: ["main", "release/*"] },
      { path: "platform/web", refs: ["v*"], refType: "tag" },
    ],
    models: [SONNET, HAIKU],
  });
  selfManaged = synthBedrock({
    gitlabUrl: "https://gitlab.example.com/gitlab",
    audience: "agent-bridge",
    oidcProviderArn: EXISTING_PROVIDER,
    projects: [{ path: "Team/Service", refs: ["main"] }],
    models: ["anthropic.claude-3-5-haiku-20241022-v1:0"],
    region: "us-west-2",
    roleName: "agent-bridge-ci",
  });
});

afterAll(() => CloudAssembly.cleanupTemporaryDirectories());

function role(template: Template): Record<string, unknown> {
  return props(only(template, "AWS::IAM::Role").resource);
}

const profileArn = (id: string) => ({
  "Fn::Join": [
    "",
    [
      "arn:",
      { Ref: "AWS::Partition" },
      `:bedrock:eu-west-1:`,
      { Ref: "AWS::AccountId" },
      `:inference-profile/${id}`,
    ],
  ],
});
const routedModelArn = (id: string) => ({
  "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, `:bedrock:*::foundation-model/${id}`]],
});

describe("infra/aws/bedrock-access-stack", () => {
  it("creates the GitLab OIDC provider with the audience as its client id", () => {
    expect(props(only(gitlabCom.template, "AWS::IAM::OIDCProvider").resource)).toEqual({
      Url: "https://gitlab.com",
      ClientIdList: ["https://gitlab.com"],
    });
  });

  it("trusts only tokens with the exact aud and a sub of a listed project and ref", () => {
    const providerId = only(gitlabCom.template, "AWS::IAM::OIDCProvider").id;
    expect(role(gitlabCom.template)["AssumeRolePolicyDocument"]).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: "sts:AssumeRoleWithWebIdentity",
          Principal: { Federated: { Ref: providerId } },
          Condition: {
            StringEquals: { "gitlab.com:aud": "https://gitlab.com" },
            StringLike: {
              "gitlab.com:sub": [
                "project_path:platform/api:ref_type:branch:ref:main",
                "project_path:platform/api:ref_type:branch:ref:release/*",
                "project_path:platform/web:ref_type:tag:ref:v*",
              ],
            },
          },
        },
      ],
    });
  });

  it("keys the conditions by the issuer's host and path, and uses an existing provider as is", () => {
    expect(selfManaged.template.findResources("AWS::IAM::OIDCProvider")).toEqual({});
    expect(role(selfManaged.template)["AssumeRolePolicyDocument"]).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: "sts:AssumeRoleWithWebIdentity",
          Principal: { Federated: EXISTING_PROVIDER },
          Condition: {
            StringEquals: { "gitlab.example.com/gitlab:aud": "agent-bridge" },
            StringLike: {
              "gitlab.example.com/gitlab:sub": ["project_path:Team/Service:ref_type:branch:ref:main"],
            },
          },
        },
      ],
    });
    expect(role(selfManaged.template)["RoleName"]).toBe("agent-bridge-ci");
  });

  it("limits sessions to one hour", () => {
    expect(role(gitlabCom.template)["MaxSessionDuration"]).toBe(3600);
    expect(role(selfManaged.template)["MaxSessionDuration"]).toBe(3600);
  });

  it("allows exactly InvokeModel and InvokeModelWithResponseStream on the profiles and the models behind them", () => {
    const r = role(gitlabCom.template);
    expect(r["ManagedPolicyArns"]).toBeUndefined();
    expect(gitlabCom.template.findResources("AWS::IAM::Policy")).toEqual({});
    expect(gitlabCom.template.findResources("AWS::IAM::ManagedPolicy")).toEqual({});
    const actions = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"];
    expect(r["Policies"]).toEqual([
      {
        PolicyName: "BedrockInvoke",
        PolicyDocument: {
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "InvokeInferenceProfiles",
              Effect: "Allow",
              Action: actions,
              Resource: [profileArn(SONNET), profileArn(HAIKU)],
            },
            {
              Sid: "InvokeModelsThroughProfiles",
              Effect: "Allow",
              Action: actions,
              Resource: [
                routedModelArn("anthropic.claude-sonnet-4-5-20250929-v1:0"),
                routedModelArn("anthropic.claude-haiku-4-5-20251001-v1:0"),
              ],
              Condition: {
                StringEquals: { "bedrock:InferenceProfileArn": [profileArn(SONNET), profileArn(HAIKU)] },
              },
            },
          ],
        },
      },
    ]);
  });

  it("allows a plain model id in the configured region only", () => {
    expect(role(selfManaged.template)["Policies"]).toEqual([
      {
        PolicyName: "BedrockInvoke",
        PolicyDocument: {
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "InvokeModelsInRegion",
              Effect: "Allow",
              Action: ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
              Resource: {
                "Fn::Join": [
                  "",
                  [
                    "arn:",
                    { Ref: "AWS::Partition" },
                    ":bedrock:us-west-2::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0",
                  ],
                ],
              },
            },
          ],
        },
      },
    ]);
  });

  it("outputs what the CI template needs: the role ARN, the region and the audience", () => {
    const roleId = only(gitlabCom.template, "AWS::IAM::Role").id;
    gitlabCom.template.hasOutput("RoleArn", { Value: { "Fn::GetAtt": [roleId, "Arn"] } });
    gitlabCom.template.hasOutput("BedrockRegion", { Value: "eu-west-1" });
    gitlabCom.template.hasOutput("IdTokenAudience", { Value: "https://gitlab.com" });
    selfManaged.template.hasOutput("BedrockRegion", { Value: "us-west-2" });
  });

  it("matches the snapshot", () => {
    expect(stableTemplate(gitlabCom.stack)).toMatchSnapshot();
  });
});

describe("infra/aws/bedrock-access-config", () => {
  function problems(input: unknown): Record<string, string> {
    try {
      parseBedrockAccessConfig(input);
    } catch (error) {
      expect(error).toBeInstanceOf(InfraConfigError);
      expect((error as Error).message).toMatch(/agent-bridge:bedrock/);
      return Object.fromEntries((error as InfraConfigError).problems.map((p) => [p.setting, p.expected]));
    }
    throw new Error("expected an InfraConfigError");
  }

  it("refuses wildcards and partial paths in project paths, which would widen the trust", () => {
    const found = problems({
      projects: [
        { path: "platform/*", refs: ["main"] },
        { path: "platform", refs: ["main"] },
        { path: "a/b?", refs: ["main"] },
      ],
      models: [SONNET],
    });
    expect(Object.keys(found)).toEqual(["projects.0.path", "projects.1.path", "projects.2.path"]);
    expect(found["projects.0.path"]).toMatch(/without wildcards/);
  });

  it("requires refs, models and projects, and reports every problem at once", () => {
    expect(problems({})).toEqual({
      projects: expect.stringMatching(/required/),
      models: expect.stringMatching(/required/),
    });
    expect(
      problems({
        gitlabUrl: "http://gitlab.example.com:8443",
        projects: [
          { path: "a/b", refs: [] },
          { path: "a/c", refs: ["ma?n", "$x"] },
        ],
        models: ["claude-sonnet", "us.Claude Sonnet"],
        extra: true,
      }),
    ).toEqual({
      "(the whole object)": expect.stringMatching(/extra/),
      gitlabUrl: expect.stringMatching(/https URL/),
      "projects.0.refs": expect.stringMatching(/at least one/),
      "projects.1.refs.0": expect.stringMatching(/branch or tag/),
      "projects.1.refs.1": expect.stringMatching(/branch or tag/),
      "models.0": expect.stringMatching(/model id/),
      "models.1": expect.stringMatching(/model id/),
    });
  });

  it("refuses an existing provider of another issuer", () => {
    expect(
      problems({
        oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/gitlab.example.com",
        projects: [{ path: "a/b", refs: ["main"] }],
        models: [SONNET],
      }),
    ).toEqual({ oidcProviderArn: expect.stringMatching(/oidc-provider\/gitlab\.com/) });
  });

  it("derives sub patterns and model ARNs", () => {
    const config = parseBedrockAccessConfig({
      projects: [{ path: "g/p", refs: ["main", "main"] }],
      models: [SONNET, "eu.anthropic.x-v1:0"],
    });
    expect(subPatterns(config.projects)).toEqual(["project_path:g/p:ref_type:branch:ref:main"]);
    expect(
      modelResources(config.models, { partition: "aws", region: "eu-west-1", account: "111122223333" }),
    ).toEqual({
      inferenceProfileArns: [
        `arn:aws:bedrock:eu-west-1:111122223333:inference-profile/${SONNET}`,
        "arn:aws:bedrock:eu-west-1:111122223333:inference-profile/eu.anthropic.x-v1:0",
      ],
      routedFoundationModelArns: [
        "arn:aws:bedrock:*::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
        "arn:aws:bedrock:*::foundation-model/anthropic.x-v1:0",
      ],
      directFoundationModelArns: [],
    });
  });
});
