/** Traffic split by replica counts (no Gateway): each version runs its weight's share of the pods. */
import { percentages } from './route-manifest.js';

/** Pods per version for a split over `total` pods; a weight that is not a whole number of pods is refused. */
export function replicaCounts(weights: Readonly<Record<string, number>>, total: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [version, weight] of Object.entries(weights)) {
    const pods = (weight * total) / 100;
    if (!Number.isInteger(Math.round(pods * 1e6) / 1e6)) {
      throw new Error(`${version} at ${weight}% of ${total} replicas is ${pods} pods: with replicaRatio, use weights in steps of ${100 / total}% (or more replicas)`);
    }
    counts[version] = Math.round(pods);
  }
  return counts;
}

/** The split replica counts make, in percent per version (versions at 0 pods left out). */
export function weightsOfReplicas(counts: Readonly<Record<string, number>>): Record<string, number> {
  return percentages(Object.entries(counts).filter(([, pods]) => pods > 0));
}
