/** Gateway API HTTPRoute weights: the backendRefs glidepath writes, and the split read back from a route. */
import type { KubeObject } from './kube-object.js';

/** One weighted backendRef to a version's Service. */
export interface BackendRef {
  group: '';
  kind: 'Service';
  name: string;
  port: number;
  weight: number;
}

/** A backendRef per version, in the order given, each to that version's Service with its percent as weight. */
export function backendRefs(weights: Readonly<Record<string, number>>, serviceOf: (version: string) => string, port: number): BackendRef[] {
  return Object.entries(weights).map(([version, weight]) => ({ group: '', kind: 'Service', name: serviceOf(version), port, weight }));
}

/** The route with the backendRefs of every rule replaced (a rule is added to a route without one); the rest kept. */
export function routeWithBackends(route: KubeObject, refs: readonly BackendRef[]): KubeObject {
  const spec = route.spec ?? {};
  const rules = Array.isArray(spec.rules) && spec.rules.length > 0 ? (spec.rules as Record<string, unknown>[]) : [{}];
  return { ...route, spec: { ...spec, rules: rules.map((rule) => ({ ...rule, backendRefs: refs.map((ref) => ({ ...ref })) })) } };
}

/**
 * The split a route applies, in percent per version, from its first rule; a backendRef without a weight counts 1
 * (the Gateway API default), and one to a Service of no known version is named by its Service.
 */
export function weightsOfRoute(route: KubeObject, versionOf: (service: string) => string | undefined): Record<string, number> {
  const rules = route.spec?.rules;
  const first = Array.isArray(rules) ? (rules[0] as { backendRefs?: { name: string; weight?: number }[] } | undefined) : undefined;
  const refs = first?.backendRefs ?? [];
  return percentages(refs.map((ref) => [versionOf(ref.name) ?? ref.name, ref.weight ?? 1]));
}

/** Shares as percentages of their sum, to two decimals; nothing when the sum is 0. */
export function percentages(shares: readonly (readonly [string, number])[]): Record<string, number> {
  const total = shares.reduce((sum, [, share]) => sum + share, 0);
  const out: Record<string, number> = {};
  if (total <= 0) return out;
  for (const [name, share] of shares) out[name] = (out[name] ?? 0) + Math.round((share / total) * 10000) / 100;
  return out;
}
