/** The Cloud Run recipe of docs/targets.md as plan lines under `target:`, shared by the command target's tests. */
export const CLOUD_RUN_RECIPE: readonly string[] = [
  '  type: command',
  '  serviceUrl: https://shop-abc.a.run.app',
  '  url: https://{version}---shop-abc.a.run.app',
  '  start: gcloud run deploy shop --image=eu.gcr.io/p/shop:{version} --no-traffic --tag={version}',
  '  setWeights: gcloud run services update-traffic shop --to-tags={weights}',
  '  weights: gcloud run services describe shop --format=json',
  '  stop: gcloud run services update-traffic shop --remove-tags={version}',
  '  timeout: 30s',
];
