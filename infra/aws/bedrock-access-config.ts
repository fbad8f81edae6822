// The Bedrock access stack's configuration: the CDK context value `agent-bridge:bedrock` (cdk.json or
// `-c`), or the `config` prop of BedrockAccessStack. Parsed with zod into a fully defaulted object, every
// problem reported at once. This file also derives the trust policy's `sub` patterns and the model ARNs,
// pure functions the tests check directly.
//
//   parseBedrockAccessConfig({
//     projects: [{ path: "platform/api", refs: ["main"] }],
//     models: ["us.anthropic.claude-sonnet-4-5-20250929-v1:0"],
//   });
import { z } from "zod";
import { InfraConfigError, problemsOf } from "./config-error.ts";

export const BEDROCK_CONTEXT_KEY = "agent-bridge:bedrock";

/** The geography prefixes of Bedrock's system-defined (cross-region) inference profiles. */
export const INFERENCE_PROFILE_PREFIXES = ["us", "us-gov", "eu", "apac", "jp", "au", "ca", "global"] as const;

// GitLab path segments: letters, digits, _ . - (and no wildcard: in a StringLike condition `*` and `?`
// would widen the trust to other projects).
const PROJECT_PATH = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*(\/[A-Za-z0-9_.][A-Za-z0-9_.-]*)+$/;
// A git ref name (git check-ref-format) plus `*` as the only wildcard; no `?` and no `$` (IAM policy
// variables), no `:` (the separator of GitLab's `sub`).
const REF_PATTERN = /^(?!.*\.\.)(?!.*\/\/)(?!.*@\{)(?![-/])(?!.*[/.]$)(?!.*\.lock$)[A-Za-z0-9_.\-/*+@#%]+$/;
const MODEL_ID = new RegExp(
  `^(?:(${INFERENCE_PROFILE_PREFIXES.join("|").replace(/-/g, "\\-")})\\.)?([a-z0-9-]+\\.[A-Za-z0-9._:-]+)$`,
);

const ProjectSchema = z.strictObject({
  path: z
    .string({ error: "required: the project's full path as GitLab shows it, e.g. group/subgroup/project" })
    .trim()
    .regex(PROJECT_PATH, {
      error:
        "a project's full path, group/project or group/subgroup/project, without wildcards and with the case GitLab shows (the claim is compared case-sensitively)",
    }),
  refs: z
    .array(
      z.string().regex(REF_PATTERN, {
        error: "a branch or tag name, where * matches any characters, e.g. main or release/*",
      }),
      { error: 'required: the branches (or tags) whose jobs may use the role, e.g. ["main"]' },
    )
    .min(1, { error: 'at least one branch or tag, e.g. ["main"]' }),
  refType: z.enum(["branch", "tag"], { error: "branch or tag" }).default("branch"),
});

const BedrockAccessConfigSchema = z
  .strictObject({
    gitlabUrl: z
      .string()
      .trim()
      .refine((value) => /^https:\/\/[^/?#@:\s]+(\/[^?#\s]*)?$/.test(value), {
        error:
          "the GitLab instance's https URL, the `iss` of its ID tokens, without port, query or trailing /api/v4, e.g. https://gitlab.example.com",
      })
      .transform((value) => value.replace(/\/+$/, ""))
      .default("https://gitlab.com"),
    audience: z
      .string()
      .trim()
      .regex(/^\S{1,255}$/, {
        error: "the `aud` of the ID token, as set under `id_tokens:` in the CI template",
      })
      .optional(),
    oidcProviderArn: z
      .string()
      .trim()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/[^\s]+$/, {
        error: "an existing IAM OIDC provider's ARN, arn:aws:iam::ACCOUNT:oidc-provider/HOST",
      })
      .optional(),
    projects: z
      .array(ProjectSchema, {
        error:
          'required: the projects whose jobs may use the role, e.g. [{"path": "group/project", "refs": ["main"]}]',
      })
      .min(1, { error: "at least one project" }),
    models: z
      .array(
        z
          .string()
          .trim()
          .regex(MODEL_ID, {
            error: `a Bedrock model id or inference profile id, e.g. us.anthropic.claude-sonnet-4-5-20250929-v1:0 (profile prefixes: ${INFERENCE_PROFILE_PREFIXES.join(", ")})`,
          }),
        {
          error:
            'required: the inference profiles (or models) the jobs may invoke, e.g. ["us.anthropic.claude-sonnet-4-5-20250929-v1:0"]',
        },
      )
      .min(1, { error: "at least one model or inference profile" }),
    region: z
      .string()
      .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { error: "an AWS region name, e.g. us-east-1" })
      .optional(),
    roleName: z
      .string()
      .regex(/^[\w+=,.@-]{1,64}$/, { error: "an IAM role name: 1 to 64 letters, digits or +=,.@_-" })
      .optional(),
  })
  .transform((config) => ({ ...config, audience: config.audience ?? config.gitlabUrl }))
  .superRefine((config, ctx) => {
    if (config.oidcProviderArn !== undefined) {
      const issuer = config.oidcProviderArn.replace(/^.*?:oidc-provider\//, "");
      if (issuer !== issuerKey(config.gitlabUrl)) {
        ctx.addIssue({
          code: "custom",
          path: ["oidcProviderArn"],
          message: `the provider of ${config.gitlabUrl} (its ARN ends in oidc-provider/${issuerKey(config.gitlabUrl)}); check gitlabUrl or the ARN`,
        });
      }
    }
  });

export type BedrockAccessConfigInput = z.input<typeof BedrockAccessConfigSchema>;
export type BedrockAccessConfig = z.output<typeof BedrockAccessConfigSchema>;
export type ProjectAccess = BedrockAccessConfig["projects"][number];

/** Parses the Bedrock access stack's configuration; throws InfraConfigError listing every problem. */
export function parseBedrockAccessConfig(
  input: unknown,
  where = `the context value "${BEDROCK_CONTEXT_KEY}"`,
): BedrockAccessConfig {
  const parsed = BedrockAccessConfigSchema.safeParse(input ?? {});
  if (!parsed.success) throw new InfraConfigError("Bedrock access stack", where, problemsOf(parsed.error));
  return parsed.data;
}

/**
 * The prefix of the trust policy's condition keys: the issuer URL without its scheme
 * (`gitlab.com`, `gitlab.example.com/gitlab`). https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif
 */
export function issuerKey(gitlabUrl: string): string {
  return gitlabUrl.replace(/^https:\/\//, "");
}

/**
 * GitLab's `sub` claim for the project's jobs on the given refs:
 * `project_path:{group}/{project}:ref_type:{branch|tag}:ref:{name}`. https://docs.gitlab.com/ci/secrets/id_token_authentication/
 */
export function subPatterns(projects: readonly ProjectAccess[]): string[] {
  const patterns = projects.flatMap((project) =>
    project.refs.map((ref) => `project_path:${project.path}:ref_type:${project.refType}:ref:${ref}`),
  );
  return [...new Set(patterns)];
}

export interface ModelResources {
  /** Inference profile ARNs (may contain the stack's region and account tokens). */
  inferenceProfileArns: string[];
  /** Foundation models reached through those profiles, in every region they route to. */
  routedFoundationModelArns: string[];
  /** Foundation models invoked directly, in the Bedrock region only. */
  directFoundationModelArns: string[];
}

/**
 * The ARNs a model list stands for. A profile id (`us.anthropic...`) needs the profile's ARN and the
 * foundation model's ARN in each region the profile routes to; a plain model id is one regional model.
 * https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-prereq.html
 */
export function modelResources(
  models: readonly string[],
  arn: { partition: string; region: string; account: string },
): ModelResources {
  const result: ModelResources = {
    inferenceProfileArns: [],
    routedFoundationModelArns: [],
    directFoundationModelArns: [],
  };
  for (const model of new Set(models)) {
    const match = MODEL_ID.exec(model);
    const prefix = match?.[1];
    const foundationModel = match?.[2] ?? model;
    if (prefix !== undefined) {
      result.inferenceProfileArns.push(
        `arn:${arn.partition}:bedrock:${arn.region}:${arn.account}:inference-profile/${model}`,
      );
      result.routedFoundationModelArns.push(
        `arn:${arn.partition}:bedrock:*::foundation-model/${foundationModel}`,
      );
    } else {
      result.directFoundationModelArns.push(
        `arn:${arn.partition}:bedrock:${arn.region}::foundation-model/${foundationModel}`,
      );
    }
  }
  result.routedFoundationModelArns = [...new Set(result.routedFoundationModelArns)];
  return result;
}
