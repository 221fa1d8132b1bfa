// esbuild plugins for the Lambda bundles (serverless.yml custom.esbuild.plugins).
const { readFile } = require('node:fs/promises');

/**
 * The X-Ray SDK records chosen request and response parameters of AWS calls, listed per service in its
 * aws_whitelist.json (~10.6 KB in every bundle). Our functions call, of the services it lists, only
 * DynamoDB and SNS: keeping just those entries records exactly the same parameters and keeps every
 * bundle under the 500 KB floor.
 */
const XRAY_WHITELISTED_SERVICES = ['dynamodb', 'sns'];

const xrayWhitelistOfOurServices = {
  name: 'xray-whitelist-of-our-services',
  setup(build) {
    build.onLoad(
      { filter: /aws-xray-sdk-core[\\/]dist[\\/]lib[\\/]resources[\\/]aws_whitelist\.json$/ },
      async (args) => {
        const whitelist = JSON.parse(await readFile(args.path, 'utf8'));
        const services = Object.fromEntries(
          Object.entries(whitelist.services).filter(([name]) => XRAY_WHITELISTED_SERVICES.includes(name)),
        );
        return { contents: JSON.stringify({ services }), loader: 'json' };
      },
    );
  },
};

module.exports = [xrayWhitelistOfOurServices];
module.exports.XRAY_WHITELISTED_SERVICES = XRAY_WHITELISTED_SERVICES;
