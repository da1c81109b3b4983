import type { Command } from '../commands/types';
import type { EnvironmentName } from '../environments';
import type { Effect } from './effects';
import type { ModelUsage } from './types';

/** One command the front end may offer to run: the typed command, its canonical line, and what it does. */
export interface Proposal {
  readonly command: Command;
  /** Canonical command line, e.g. `deploy stack vpc to dev`: what the person sees and could type. */
  readonly line: string;
  readonly effect: Effect;
  /** True when the configuration lets this read run without asking (never for writes or decisions). */
  readonly autoRun: boolean;
}

/** A tool call the model made that was not turned into a proposal, and why. */
export interface RefusedCall {
  readonly tool: string;
  readonly input: unknown;
  readonly reason: string;
  /** `grammar`: not a valid command; `permission`: the caller may not; `policy`: not allowed here at all. */
  readonly kind: 'grammar' | 'permission' | 'policy';
}

/** How free text was understood. Every variant is something to show the person. */
export type Interpretation =
  | { readonly kind: 'proposals'; readonly proposals: readonly Proposal[]; readonly refused: readonly RefusedCall[] }
  /** More is needed (which stack? which environment?); `suggestions` are command lines to pick from. */
  | {
      readonly kind: 'clarify';
      readonly question: string;
      readonly suggestions: readonly string[];
      /**
       * Set when the words name something infra-agent does not do (`vulnerability scans`, `cost`): the question
       * says so and names what is closest, and nothing is proposed or suggested in its place.
       */
      readonly unsupported?: string;
    }
  | { readonly kind: 'refuse'; readonly reason: string; readonly refused?: readonly RefusedCall[] }
  /** A question about why something is wrong: answered by the read-only diagnosis loop. */
  | { readonly kind: 'diagnose'; readonly question: string }
  /** The model could not answer (throttled, timed out, failed); `suggestions` come from the grammar. */
  | { readonly kind: 'unavailable'; readonly reason: string; readonly suggestions: readonly string[] };

/** An interpretation with where it came from and what it cost; what `gateway.interpret` returns. */
export type InterpretResult = Interpretation & {
  /** Id of this request in the audit trail (`interpret/<requestId>`). */
  readonly id: string;
  /** `guard`: refused by code before any matching or model call. */
  readonly source: 'grammar' | 'guard' | 'near-miss' | 'model';
  readonly usage?: ModelUsage;
};

/** What the caller may do, resolved from the configuration by the gateway (workflows get it as data). */
export interface CallerPermissions {
  readonly userId: string;
  /** A user defined in the configuration; unknown callers (e.g. a Slack user not in it) only get reads. */
  readonly known: boolean;
  /** Environments in which the caller is an approver. */
  readonly approverIn: readonly EnvironmentName[];
}

/** Which reads may run at once, per environment, and for reads not tied to one (list, audit, help). */
export interface AutoRunPolicy {
  readonly environments: readonly EnvironmentName[];
  readonly unscoped: boolean;
}
