// Stands in for `semver` in the Lambda bundles (serverless.yml custom.esbuild.alias). aws-xray-sdk-core
// requires semver only in its AWS SDK v2 patcher (captureAWS, for semver.gte), which no function calls: Powertools
// Tracer instruments SDK v3 clients. The real package is ~29 KB of every bundle under the 500 KB floor;
// this fails loudly should v2 patching ever be used.
const unused = () => {
  throw new Error('semver is left out of this bundle: AWS SDK v2 patching (captureAWS) is not supported');
};
module.exports = { gte: unused };
