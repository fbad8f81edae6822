// The Bedrock access stack: GitLab CI jobs of the listed projects and refs exchange their ID token for
// one-hour credentials of a role that may only invoke the listed Claude models. No static AWS key exists
// anywhere. The trust is the security boundary here, so it is kept explicit and narrow:
//   - `aud` is compared exactly (StringEquals), so a token minted for another service is refused;
//   - `sub` must match one of the `project_path:…:ref_type:…:ref:…` patterns built from the config, whose
//     paths cannot contain wildcards (a `*` in a path would admit other projects);
//   - sessions last at most one hour (the role's MaxSessionDuration).
// It must never grant more than bedrock:InvokeModel and bedrock:InvokeModelWithResponseStream, and never
// on `*`. One IAM OIDC provider exists per issuer and account: pass `oidcProviderArn` when there is one.
import { Aws, CfnOutput, Duration, Stack, type StackProps } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type { Construct } from "constructs";
import {
  issuerKey,
  modelResources,
  parseBedrockAccessConfig,
  subPatterns,
  type BedrockAccessConfig,
  type BedrockAccessConfigInput,
} from "./bedrock-access-config.ts";

export const BEDROCK_ACTIONS = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"] as const;
export const MAX_SESSION_SECONDS = 3600;

export interface BedrockAccessStackProps extends StackProps {
  /** Validated here; an invalid value throws InfraConfigError listing every problem. */
  config: BedrockAccessConfigInput;
  /** Where the config came from, for the error message (default: the stack's props). */
  configSource?: string;
}

export class BedrockAccessStack extends Stack {
  readonly config: BedrockAccessConfig;
  readonly role: iam.Role;
  readonly oidcProvider: iam.IOidcProvider;

  constructor(scope: Construct, id: string, props: BedrockAccessStackProps) {
    super(scope, id, props);
    const config = parseBedrockAccessConfig(
      props.config,
      props.configSource ?? `the config prop of stack ${id}`,
    );
    this.config = config;

    this.oidcProvider =
      config.oidcProviderArn !== undefined
        ? iam.OidcProviderNative.fromOidcProviderArn(this, "GitLabOidcProvider", config.oidcProviderArn)
        : new iam.OidcProviderNative(this, "GitLabOidcProvider", {
            url: config.gitlabUrl,
            clientIds: [config.audience],
          });

    const issuer = issuerKey(config.gitlabUrl);
    const principal = new iam.OpenIdConnectPrincipal(this.oidcProvider, {
      StringEquals: { [`${issuer}:aud`]: config.audience },
      StringLike: { [`${issuer}:sub`]: subPatterns(config.projects) },
    });

    const region = config.region ?? this.region;
    const resources = modelResources(config.models, {
      partition: Aws.PARTITION,
      region,
      account: Aws.ACCOUNT_ID,
    });
    const statements: iam.PolicyStatement[] = [];
    if (resources.inferenceProfileArns.length > 0) {
      statements.push(
        new iam.PolicyStatement({
          sid: "InvokeInferenceProfiles",
          actions: [...BEDROCK_ACTIONS],
          resources: resources.inferenceProfileArns,
        }),
        // The models behind the profiles, in whichever region a profile routes a request to, and only when
        // the request came through one of these profiles.
        new iam.PolicyStatement({
          sid: "InvokeModelsThroughProfiles",
          actions: [...BEDROCK_ACTIONS],
          resources: resources.routedFoundationModelArns,
          conditions: { StringEquals: { "bedrock:InferenceProfileArn": resources.inferenceProfileArns } },
        }),
      );
    }
    if (resources.directFoundationModelArns.length > 0) {
      statements.push(
        new iam.PolicyStatement({
          sid: "InvokeModelsInRegion",
          actions: [...BEDROCK_ACTIONS],
          resources: resources.directFoundationModelArns,
        }),
      );
    }

    this.role = new iam.Role(this, "CiJobRole", {
      ...(config.roleName !== undefined ? { roleName: config.roleName } : {}),
      description: `GitLab CI jobs of ${config.projects.map((p) => p.path).join(", ")} invoke Claude on Bedrock (agent-bridge)`,
      assumedBy: principal,
      maxSessionDuration: Duration.seconds(MAX_SESSION_SECONDS),
      inlinePolicies: { BedrockInvoke: new iam.PolicyDocument({ statements }) },
    });

    new CfnOutput(this, "RoleArn", {
      description: "CI/CD variable AWS_ROLE_ARN of the projects that use provider bedrock",
      value: this.role.roleArn,
    });
    new CfnOutput(this, "BedrockRegion", {
      description: "CI/CD variable AWS_REGION: the region of the inference profiles",
      value: region,
    });
    new CfnOutput(this, "IdTokenAudience", {
      description: "The aud of the CI template's id_tokens entry (AGENT_BRIDGE_ID_TOKEN)",
      value: config.audience,
    });
    new CfnOutput(this, "OidcProviderArn", { value: this.oidcProvider.oidcProviderArn });
  }
}
