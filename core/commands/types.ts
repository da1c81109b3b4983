import type { CostPeriod } from '../cost/period';
import type { EnvironmentName } from '../environments';
import type { COMMANDS } from './catalog';
import type { ParamKind } from './spec';

/** The TypeScript type of a slot's value: environments are names, counts are numbers, the rest strings. */
type ValueOf<K extends ParamKind> = K extends 'environment'
  ? EnvironmentName
  : K extends 'count'
    ? number
    : K extends 'period'
      ? CostPeriod
      : string;

type Flatten<T> = { readonly [K in keyof T]: T[K] };

/** Slots a command always carries: required ones and optional ones with a default. */
type Required_<P> = P extends { readonly name: infer N extends string; readonly kind: infer K extends ParamKind }
  ? P extends { readonly optional: true; readonly default?: undefined }
    ? never
    : P extends { readonly default: unknown }
      ? { readonly [_ in N]: ValueOf<K> }
      : P extends { readonly optional: true }
        ? never
        : { readonly [_ in N]: ValueOf<K> }
  : never;
type Optional_<P> = P extends {
  readonly name: infer N extends string;
  readonly kind: infer K extends ParamKind;
  readonly optional: true;
}
  ? P extends { readonly default: unknown }
    ? never
    : { readonly [_ in N]?: ValueOf<K> }
  : never;

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

type CommandOf<S> = S extends { readonly name: infer N extends string; readonly params: readonly (infer P)[] }
  ? Flatten<{ readonly name: N } & UnionToIntersection<Required_<P> | Optional_<P> | { readonly name: N }>>
  : never;

/**
 * A parsed, validated request. Front ends and the language model both produce exactly these. Derived from the
 * catalog: a command's fields are its slots (`deploy stack {stack} to {env}` → `{ name, stack, env }`).
 */
export type Command = CommandOf<(typeof COMMANDS)[number]>;

/** One command's type by name, e.g. `CommandNamed<'rollout'>`. */
export type CommandNamed<N extends Command['name']> = Extract<Command, { readonly name: N }>;

/** The names of the commands the catalog says are served by `S`. */
export type NamesServedBy<S extends string> = Extract<(typeof COMMANDS)[number], { readonly serves: S }>['name'];

/** The Kubernetes reads: each runs one Kubernetes or helm read in the namespace of a catalog service or release. */
export type KubeReadCommand = CommandNamed<NamesServedBy<'kube-read'>>;
