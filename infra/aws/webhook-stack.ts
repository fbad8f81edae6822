// The webhook stack: the receiver of GitLab's Note Hook as a Lambda function behind a Function URL, and the
// worker that does each mention's GitLab work, joined by an SQS queue.
//
// Why a queue: GitLab never redelivers a failed delivery and disables a hook that keeps failing, so the
// receiver answers as soon as the mention is on the queue; the worker (an event source mapping with
// ReportBatchItemFailures) does the claim, placeholder and pipeline, and a task GitLab could not serve comes
// back after a back-off (the worker sets its visibility timeout: 10 s doubling, up to 15 min). After
// maxReceiveCount receives it moves to the dead-letter queue, kept 14 days, whose alarm says a mention was
// not served (the sweep may still serve it).
//
// Why a Function URL and not an API Gateway HTTP API: GitLab makes one POST per comment and needs nothing an
// API adds (routes, authorizers, usage plans, a custom domain it would not verify anyway). A Function URL
// has no extra service, cost or 30 s integration limit, and hands the raw body over (`body` +
// `isBase64Encoded`), which signature checks need. Its auth type is NONE on purpose: GitLab cannot sign
// requests with SigV4. The handler authenticates every delivery itself, comparing X-Gitlab-Token with
// WEBHOOK_SECRET in constant time (or verifying the Standard Webhooks signature) before it parses the body
// or makes any call. Reserved concurrency caps what an unauthenticated flood can cost.
//
// Secrets (GitLab token, webhook secret and the optional signing secret and trigger tokens) live in
// Secrets Manager; the function gets their ARNs (NAME_ARN) and is the only principal this stack lets read
// them. A secret it creates is retained when the stack is deleted. It must never put a secret's value into
// the template or the function's environment.
import {
  AssetHashType,
  CfnOutput,
  DockerImage,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
} from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as cloudwatchActions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as events from "aws-cdk-lib/aws-events";
import * as eventsTargets from "aws-cdk-lib/aws-events-targets";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as sns from "aws-cdk-lib/aws-sns";
import * as snsSubscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { Construct } from "constructs";
import { fileURLToPath } from "node:url";
import {
  buildLambdaSync,
  LAMBDA_HANDLER,
  LAMBDA_SWEEP_HANDLER,
  LAMBDA_WORKER_HANDLER,
} from "../../scripts/build.ts";
import { SECRET_SETTINGS, type SecretSetting } from "../../functions/aws/secrets.ts";
import {
  CREATED_SECRETS,
  parseWebhookConfig,
  type WebhookConfig,
  type WebhookConfigInput,
} from "./webhook-config.ts";

/** The repository's root: what the function's code is built from. */
export const REPOSITORY_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * The function's code: the build's own Lambda artifact (scripts/build.ts, what `npm run build` writes to
 * dist/lambda), built fresh at synth by CDK's local bundling with the local esbuild, so that a deploy never
 * ships a stale dist/. Its hash is the bundle's. CDK asks for a Docker image as well; it would only be used
 * if the local build declined, and it never does (an error stops the synth instead).
 */
export function lambdaCode(): lambda.Code {
  return lambda.Code.fromAsset(REPOSITORY_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: DockerImage.fromRegistry("node:22.23.3-bookworm-slim"),
      local: {
        tryBundle(outputDir) {
          buildLambdaSync(outputDir);
          return true;
        },
      },
    },
  });
}

export interface WebhookStackProps extends StackProps {
  /** Validated here; an invalid value throws InfraConfigError listing every problem. */
  config: WebhookConfigInput;
  /** Where the config came from, for the error message (default: the stack's props). */
  configSource?: string;
}

export class WebhookStack extends Stack {
  readonly config: WebhookConfig;
  readonly function: lambda.Function;
  readonly worker: lambda.Function;
  readonly sweep: lambda.Function;
  readonly tasks: sqs.Queue;
  readonly deadLetters: sqs.Queue;
  readonly functionUrl: lambda.FunctionUrl;
  readonly secrets: ReadonlyMap<SecretSetting, secretsmanager.ISecret>;
  readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: WebhookStackProps) {
    super(scope, id, props);
    const config = parseWebhookConfig(props.config, props.configSource ?? `the config prop of stack ${id}`);
    this.config = config;

    const secrets = new Map<SecretSetting, secretsmanager.ISecret>();
    for (const setting of SECRET_SETTINGS) {
      const logicalId = pascalCase(setting);
      const arn = config.secretArns[setting];
      if (arn !== undefined) {
        secrets.set(setting, secretsmanager.Secret.fromSecretCompleteArn(this, logicalId, arn));
      } else if (CREATED_SECRETS.some((created) => created === setting)) {
        secrets.set(
          setting,
          new secretsmanager.Secret(this, logicalId, {
            description:
              setting === "WEBHOOK_SECRET"
                ? "agent-bridge: the GitLab webhook's secret token (X-Gitlab-Token); comma-separated values while rotating"
                : "agent-bridge: the bridge user's GitLab token (api scope); replace the generated value with the real token",
            // A random value to start with: the webhook secret is used as it is, the token is replaced.
            generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
            removalPolicy: RemovalPolicy.RETAIN,
          }) as secretsmanager.ISecret, // aws-cdk-lib's own types disagree under exactOptionalPropertyTypes
        );
      }
    }
    this.secrets = secrets;

    const logGroup = new logs.LogGroup(this, "HandlerLogs", {
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const environment: Record<string, string> = {
      GITLAB_URL: config.gitlabUrl,
      ...config.settings,
      NODE_OPTIONS: "--enable-source-maps",
    };
    for (const [setting, secret] of secrets) environment[`${setting}_ARN`] = secret.secretArn;

    this.deadLetters = new sqs.Queue(this, "TaskDeadLetters", {
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
    });
    this.tasks = new sqs.Queue(this, "Tasks", {
      // AWS asks for at least six times the consumer's timeout; the worker sets shorter ones for its retries.
      visibilityTimeout: Duration.seconds(WORKER_TIMEOUT_SECONDS * 6),
      retentionPeriod: Duration.days(1),
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: config.maxReceiveCount },
    });
    environment["TASK_QUEUE_URL"] = this.tasks.queueUrl;

    const code = lambdaCode();
    this.function = new lambda.Function(this, "Handler", {
      ...(config.functionName !== undefined ? { functionName: config.functionName } : {}),
      description: `agent-bridge: GitLab Note Hook receiver for ${config.gitlabUrl}`,
      code,
      handler: LAMBDA_HANDLER,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: config.memoryMb,
      timeout: Duration.seconds(config.timeoutSeconds),
      reservedConcurrentExecutions: config.reservedConcurrency,
      logGroup,
      environment,
    });
    for (const secret of secrets.values()) secret.grantRead(this.function);
    this.tasks.grantSendMessages(this.function);

    const workerLogs = new logs.LogGroup(this, "WorkerLogs", {
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.worker = new lambda.Function(this, "Worker", {
      ...(config.functionName !== undefined ? { functionName: `${config.functionName}-worker` } : {}),
      description: `agent-bridge: the GitLab work of each mention for ${config.gitlabUrl}`,
      code,
      handler: LAMBDA_WORKER_HANDLER,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: config.memoryMb,
      timeout: Duration.seconds(WORKER_TIMEOUT_SECONDS),
      reservedConcurrentExecutions: config.reservedConcurrency,
      logGroup: workerLogs,
      environment,
    });
    for (const secret of secrets.values()) secret.grantRead(this.worker);
    this.worker.addEventSource(
      new SqsEventSource(this.tasks, { batchSize: 10, reportBatchItemFailures: true }),
    );

    // The catch-up sweep: every few minutes, the mentions of the last SWEEP_WINDOW_MINUTES (default 10)
    // that no task served go on the queue (a delivery GitLab never made, a hook it disabled).
    this.sweep = new lambda.Function(this, "Sweep", {
      ...(config.functionName !== undefined ? { functionName: `${config.functionName}-sweep` } : {}),
      description: `agent-bridge: the catch-up sweep of mentions for ${config.gitlabUrl}`,
      code,
      handler: LAMBDA_SWEEP_HANDLER,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: config.memoryMb,
      timeout: Duration.seconds(WORKER_TIMEOUT_SECONDS * 2),
      reservedConcurrentExecutions: 1,
      logGroup: workerLogs,
      environment,
    });
    for (const secret of secrets.values()) secret.grantRead(this.sweep);
    this.tasks.grantSendMessages(this.sweep);
    new events.Rule(this, "SweepSchedule", {
      description: "agent-bridge: run the catch-up sweep",
      schedule: events.Schedule.rate(Duration.minutes(config.sweepEveryMinutes)),
      targets: [new eventsTargets.LambdaFunction(this.sweep, { retryAttempts: 0 })],
    });

    this.functionUrl = this.function.addFunctionUrl({
      authType: lambda.FunctionUrlAuthType.NONE,
      invokeMode: lambda.InvokeMode.BUFFERED,
    });

    const alarmAction =
      config.alarmEmail !== undefined
        ? (() => {
            const topic = new sns.Topic(this, "AlarmTopic", { displayName: "agent-bridge webhook alarms" });
            topic.addSubscription(new snsSubscriptions.EmailSubscription(config.alarmEmail));
            return new cloudwatchActions.SnsAction(topic);
          })()
        : undefined;
    const fiveMinutes = { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM };
    const alarm = (alarmId: string, metric: cloudwatch.IMetric, description: string): cloudwatch.Alarm => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      if (alarmAction) created.addAlarmAction(alarmAction);
      return created;
    };
    this.alarms = [
      alarm(
        "ErrorsAlarm",
        this.function.metricErrors(fiveMinutes),
        "agent-bridge webhook: the function failed (crash or timeout); see its log group",
      ),
      alarm(
        "ThrottlesAlarm",
        this.function.metricThrottles(fiveMinutes),
        "agent-bridge webhook: deliveries were throttled by the reserved concurrency; GitLab does not redeliver them and disables the hook after 4 failures",
      ),
      // The handler answers a misconfiguration or unreadable secrets with 500/503 rather than failing, so
      // those show up here and not in Errors.
      alarm(
        "Http5xxAlarm",
        new cloudwatch.Metric({
          namespace: "AWS/Lambda",
          metricName: "Url5xxCount",
          dimensionsMap: { FunctionName: this.function.functionName },
          ...fiveMinutes,
        }),
        "agent-bridge webhook: the Function URL answered 5xx (misconfigured settings, unreadable secrets, or the queue refusing a mention); see the log group",
      ),
      alarm(
        "WorkerErrorsAlarm",
        this.worker.metricErrors(fiveMinutes),
        "agent-bridge webhook: the worker failed (crash, timeout, or settings it cannot load); see its log group",
      ),
      alarm(
        "DeadLettersAlarm",
        this.deadLetters.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        "agent-bridge webhook: a mention could not be served after every retry and is in the dead-letter queue; see the worker's log group",
      ),
    ];

    new CfnOutput(this, "WebhookUrl", {
      description: "The GitLab webhook's URL (Settings > Webhooks, trigger: Comments)",
      value: this.functionUrl.url,
    });
    for (const setting of CREATED_SECRETS) {
      const secret = secrets.get(setting);
      if (secret) new CfnOutput(this, `${pascalCase(setting)}Arn`, { value: secret.secretArn });
    }
    new CfnOutput(this, "LogGroupName", { value: logGroup.logGroupName });
    new CfnOutput(this, "WorkerLogGroupName", { value: workerLogs.logGroupName });
    new CfnOutput(this, "DeadLetterQueueUrl", { value: this.deadLetters.queueUrl });
  }
}

/** The worker's budget: GitLab's DEADLINE_MS for the calls, the cleanup, and room for a batch of ten. */
export const WORKER_TIMEOUT_SECONDS = 60;

function pascalCase(setting: string): string {
  return setting
    .toLowerCase()
    .split("_")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");
}
