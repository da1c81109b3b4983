import type { AccessGrant } from '../access';
import type { EnvironmentName } from '../environments';
import { InvalidInput } from '../errors';

/**
 * Blue/green rollouts (M7): every service runs as two colours, each a Deployment and a Service named
 * `<service>-<colour>` in the service's namespace; a traffic router (Istio VirtualService, or ALB weighted
 * target groups in PRD) splits requests between them. The live colour is the one holding the traffic.
 */
export const COLOURS = ['blue', 'green'] as const;
export type Colour = (typeof COLOURS)[number];

export function otherColour(c: Colour): Colour {
  return c === 'blue' ? 'green' : 'blue';
}

/** Per-colour traffic share in percent; the two always add up to 100. */
export interface TrafficWeights {
  readonly blue: number;
  readonly green: number;
}

/**
 * The one weight check every traffic router runs before it touches anything: whole percentages from 0 to 100 that
 * add up to 100. Throws InvalidInput naming the field and the fix.
 */
export function checkWeights(w: TrafficWeights): void {
  for (const c of COLOURS) {
    const v = w[c];
    if (!Number.isInteger(v) || v < 0 || v > 100) {
      throw new InvalidInput(
        `weights: blue ${String(w.blue)} / green ${String(w.green)} is not a split: weights.${c}: ${String(v)} is ` +
          `not a whole percentage from 0 to 100; give whole percentages that add up to 100, e.g. blue 90, green 10`,
      );
    }
  }
  if (w.blue + w.green !== 100) {
    throw new InvalidInput(
      `weights: blue ${w.blue} + green ${w.green} = ${w.blue + w.green}; the two must add up to 100 ` +
        `(e.g. blue ${100 - w.green}, green ${w.green})`,
    );
  }
}

/** `blue 90% / green 10%`: a split in words. */
export function splitText(w: TrafficWeights): string {
  return `blue ${w.blue}% / green ${w.green}%`;
}

/** True when both colours carry traffic (a half-shifted split). */
export function isSplit(w: TrafficWeights): boolean {
  return w.blue > 0 && w.green > 0;
}

/** How one environment shifts traffic between colours (config `environments.<env>.cluster.traffic`). */
export type TrafficSpec =
  | {
      /** A VirtualService `<service>` routing to hosts `<service>-blue` and `<service>-green` by weight. */
      readonly kind: 'istio';
    }
  | {
      /**
       * An ALB listener forwarding to two target groups by weight (PRD, per the seed). Names are templates:
       * `{service}` and `{env}` (and `{colour}` for target groups) are filled in per rollout.
       */
      readonly kind: 'alb';
      /** e.g. `{service}-{env}`. */
      readonly loadBalancerName: string;
      /** The listener whose default action is shifted, e.g. 443. */
      readonly listenerPort: number;
      /** e.g. `{service}-{env}-{colour}` (ALB target group names are at most 32 characters). */
      readonly targetGroupName: string;
    };

/**
 * One analysis provider and its threshold. Each really measures something; there is no provider that passes
 * without a measurement. A provider that cannot measure (its read failed) gives no verdict: the measurement is
 * `inconclusive`, and the workflow measures again instead of rolling back on a read error.
 */
export type AnalysisSpec =
  | {
      /** The new colour's pods, read from the cluster: all Ready, none Failed, restarts within the limit. */
      readonly provider: 'pods';
      readonly maxRestarts: number;
    }
  | {
      /**
       * A CloudWatch metric over the analysis window, e.g. AWS/ApplicationELB HTTPCode_Target_5XX_Count of the
       * new colour's target group. Dimension values are templates ({service}, {env}, {colour}, {namespace}).
       */
      readonly provider: 'cloudwatch';
      readonly namespace: string;
      readonly metricName: string;
      readonly dimensions: Readonly<Record<string, string>>;
      readonly statistic: 'Sum' | 'Average' | 'Maximum';
      /** Fails when the statistic is above this. */
      readonly max: number;
    }
  | {
      /** HTTP GETs against the new colour; `url` is a template ({service}, {env}, {colour}, {namespace}). */
      readonly provider: 'http';
      readonly url: string;
      readonly samples: number;
      /** 0..1: the share of samples that must answer 2xx within timeoutMs. */
      readonly minSuccessRate: number;
      readonly timeoutMs: number;
    };

export type AnalysisProvider = AnalysisSpec['provider'];

/** How a service is rolled out (config `services.<name>.rollout`). */
export interface RolloutPolicy {
  /** Percent of traffic on the new colour at each step, rising, ending at 100. e.g. [10, 50, 100]. */
  readonly steps: readonly number[];
  /** How long each step runs before its analysis is judged. */
  readonly stepSeconds: number;
  /** After 100%: how long the new colour carries all traffic (analysed again) before the old one is scaled down. */
  readonly bakeSeconds: number;
  /** How long the new colour may take to become Ready. */
  readonly readyTimeoutSeconds: number;
  /** The watchdog reports a rollout still running after this (it does not stop it). */
  readonly timeBudgetSeconds: number;
  readonly analysis: readonly AnalysisSpec[];
}

/** One deployable service (config `services.<name>`). */
export interface ServiceConfig {
  readonly name: string;
  /** Namespace in each environment's cluster (plus the cluster's `namespaceSuffix`, if any). */
  readonly namespace: string;
  /** Image repository; a rollout names the tag, e.g. `rollout payments-api 1.4.2 to dev`. */
  readonly image: string;
  readonly port: number;
  readonly replicas: number;
  readonly rollout: RolloutPolicy;
}

/** Which colour of which service in which environment's cluster; every rollout activity takes one. */
export interface ServiceTarget {
  readonly environment: EnvironmentName;
  readonly service: string;
  /** Resolved namespace (with the cluster's suffix). */
  readonly namespace: string;
}

// ---- Activity contracts (activities/rollout implements them; workflows/rollout calls them) ----

/** The security gate in front of every rollout. A pass-through until the security agent (Trivy) exists. */
export interface SecurityGateInput {
  readonly target: ServiceTarget;
  readonly image: string;
  /** Who asked for the rollout: their own waivers never apply to it. Absent in rollouts started before waivers. */
  readonly requester?: string;
}
export interface SecurityGateResult {
  readonly passed: boolean;
  /** `pass-through` means nothing was scanned: the preview says so. */
  readonly provider: 'pass-through' | 'trivy';
  readonly summary: string;
  /** trivy: report (never blocks), passed, blocked, or error (could not scan: the gate failed closed). */
  readonly verdict?: 'report' | 'passed' | 'blocked' | 'error';
  /** The environment's rule in words, e.g. `blocks vulnerabilities CRITICAL/HIGH with a fix available`. */
  readonly rule?: string;
  /** `1 CRITICAL, 2 HIGH, 2 MEDIUM`. */
  readonly counts?: string;
  /** The worst findings (blocking first), one line each: id, severity, package installed → fixed, title. */
  readonly worst?: readonly string[];
  /** The image id trivy scanned (what a waiver is bound to). */
  readonly digest?: string;
  /** Findings the rule would block that an active waiver for this digest let through: id, by whom, until when, why. */
  readonly waived?: readonly string[];
  /** Waivers for this digest that were not applied (expired, revoked, granted by the rollout's requester), and why. */
  readonly waiversNotApplied?: readonly string[];
  readonly dbUpdatedAt?: string;
}

/** What runs in one colour now. */
export interface ColourStatus {
  readonly colour: Colour;
  readonly exists: boolean;
  readonly image?: string;
  readonly replicas: number;
  readonly readyReplicas: number;
}

export interface ReadColoursInput {
  readonly target: ServiceTarget;
}
export interface ReadColoursResult {
  readonly blue: ColourStatus;
  readonly green: ColourStatus;
}

/** Creates or updates the colour's Deployment and Service (server-side apply: idempotent). */
export interface DeployColourInput {
  readonly target: ServiceTarget;
  readonly colour: Colour;
  readonly image: string;
  readonly port: number;
  readonly replicas: number;
  /** Stamped as an annotation, so the cluster says which operation put it there. */
  readonly operationId: string;
}
export interface DeployColourResult {
  /** False when the colour already ran exactly this (a retry, or a re-run). */
  readonly changed: boolean;
}

/** Polls (heartbeating) until the colour's Deployment has all replicas Ready, or the timeout. */
export interface WaitColourReadyInput {
  readonly target: ServiceTarget;
  readonly colour: Colour;
  readonly timeoutSeconds: number;
  readonly pollMs?: number;
}
export interface WaitColourReadyResult {
  readonly ready: boolean;
  readonly replicas: number;
  readonly readyReplicas: number;
  /** Plain words: "3/3 pods ready" or what is wrong ("pod x: CrashLoopBackOff"). */
  readonly message: string;
}

export interface ScaleColourInput {
  readonly target: ServiceTarget;
  readonly colour: Colour;
  readonly replicas: number;
}
export interface ScaleColourResult {
  readonly changed: boolean;
}

/** Reads the router's current split. `exists: false` before the first rollout (no router yet). */
export interface ReadTrafficInput {
  readonly target: ServiceTarget;
  readonly traffic: TrafficSpec;
}
export interface ReadTrafficResult {
  readonly exists: boolean;
  readonly weights: TrafficWeights;
}

/** Sets the split (creating the router if needed). Idempotent: reads first and reports `changed: false` if equal. */
export interface SetTrafficInput {
  readonly target: ServiceTarget;
  readonly traffic: TrafficSpec;
  readonly weights: TrafficWeights;
  readonly operationId: string;
  /**
   * The approval's just-in-time access (M4): AWS traffic changes (ALB) run as the approver under the
   * environment's deploy role. Kubernetes routers use the cluster identity of the kubeconfig.
   */
  readonly grant?: AccessGrant;
}
export interface SetTrafficResult {
  readonly changed: boolean;
  readonly previous: TrafficWeights;
  /** The role session the change ran as, when it ran under the approval's grant (for the audit trail). */
  readonly assumedRoleArn?: string;
}

/** Judges the new colour over a window with every configured provider. */
export interface AnalyseInput {
  readonly target: ServiceTarget;
  readonly colour: Colour;
  readonly specs: readonly AnalysisSpec[];
  /** ISO times of the window being judged (CloudWatch reads this range). */
  readonly windowStart: string;
  readonly windowEnd: string;
}
export interface AnalysisMeasurement {
  readonly provider: AnalysisProvider;
  readonly passed: boolean;
  /** What was measured, in words with the figure: "5xx sum 12 > max 5", "2/2 pods ready, 0 restarts". */
  readonly detail: string;
  readonly value?: number;
  readonly threshold?: number;
  /**
   * The provider could not measure (the API or metrics store did not answer): no verdict either way. `passed` is
   * false, and the detail says what could not be read.
   */
  readonly inconclusive?: boolean;
}
export interface AnalyseResult {
  readonly passed: boolean;
  readonly measurements: readonly AnalysisMeasurement[];
  /**
   * No provider measured anything bad, but at least one could not measure: the step has no verdict yet. Absent in
   * results recorded before this existed (they were always conclusive).
   */
  readonly inconclusive?: boolean;
}

/** The rollout activities, as workflows see them. */
export interface RolloutActivities {
  rolloutSecurityGate(input: SecurityGateInput): Promise<SecurityGateResult>;
  readColours(input: ReadColoursInput): Promise<ReadColoursResult>;
  deployColour(input: DeployColourInput): Promise<DeployColourResult>;
  waitColourReady(input: WaitColourReadyInput): Promise<WaitColourReadyResult>;
  scaleColour(input: ScaleColourInput): Promise<ScaleColourResult>;
  readTraffic(input: ReadTrafficInput): Promise<ReadTrafficResult>;
  setTraffic(input: SetTrafficInput): Promise<SetTrafficResult>;
  analyseColour(input: AnalyseInput): Promise<AnalyseResult>;
}

/** `{service}`, `{env}`, `{colour}`, `{namespace}` filled into a name or URL template. */
export function fillTemplate(
  template: string,
  v: { service: string; env: string; colour?: Colour; namespace?: string },
): string {
  return template
    .replace(/\{service\}/g, v.service)
    .replace(/\{env\}/g, v.env)
    .replace(/\{colour\}/g, v.colour ?? '')
    .replace(/\{namespace\}/g, v.namespace ?? '');
}
