import {
  type CloudWatchClient,
  type MetricDataQuery,
  paginateGetMetricData,
  paginateListMetrics,
} from '@aws-sdk/client-cloudwatch';
import type { ProviderMetricsSource } from '../../core/reconciliation/ports';
import {
  PROVIDER_METRICS,
  type ProviderDatum,
  TOKEN_CLASSES,
  type TokenClass,
} from '../../core/reconciliation/reconcile';

const HOUR_MS = 3_600_000;
// GetMetricData takes at most 500 queries per call.
const QUERIES_PER_CALL = 500;

/**
 * Bedrock's own token counts from CloudWatch (`AWS/Bedrock`, dimension ModelId), per UTC hour: the
 * ModelIds that have each metric come from ListMetrics (a ModelId is a model id, a profile id or an
 * ARN; metrics with other dimension sets are left out so nothing is summed twice), then hourly Sums from
 * GetMetricData, 500 queries per call, every page read.
 */
export class CloudWatchProviderMetrics implements ProviderMetricsSource {
  constructor(
    private readonly client: CloudWatchClient,
    private readonly options: { namespace?: string; maxDatapoints?: number } = {},
  ) {}

  private get namespace(): string {
    return this.options.namespace ?? 'AWS/Bedrock';
  }

  async hourly(day: string): Promise<ProviderDatum[]> {
    const start = Date.parse(`${day}T00:00:00Z`);
    const queries: { query: MetricDataQuery; modelId: string; tokenClass: TokenClass }[] = [];
    for (const tokenClass of TOKEN_CLASSES) {
      for (const modelId of await this.modelIds(PROVIDER_METRICS[tokenClass])) {
        queries.push({
          modelId,
          tokenClass,
          query: {
            Id: `q${queries.length}`,
            MetricStat: {
              Metric: {
                Namespace: this.namespace,
                MetricName: PROVIDER_METRICS[tokenClass],
                Dimensions: [{ Name: 'ModelId', Value: modelId }],
              },
              Period: 3_600,
              Stat: 'Sum',
            },
            ReturnData: true,
          },
        });
      }
    }
    const byId = new Map(queries.map((q) => [q.query.Id, q]));
    const data: ProviderDatum[] = [];
    for (let i = 0; i < queries.length; i += QUERIES_PER_CALL) {
      const pages = paginateGetMetricData(
        {
          client: this.client,
          ...(this.options.maxDatapoints === undefined ? {} : { pageSize: this.options.maxDatapoints }),
        },
        {
          MetricDataQueries: queries.slice(i, i + QUERIES_PER_CALL).map((q) => q.query),
          StartTime: new Date(start),
          EndTime: new Date(start + 24 * HOUR_MS),
          ScanBy: 'TimestampAscending',
        },
      );
      for await (const page of pages) {
        for (const result of page.MetricDataResults ?? []) {
          const query = byId.get(result.Id);
          if (query === undefined) continue;
          (result.Timestamps ?? []).forEach((timestamp, k) => {
            const value = result.Values?.[k];
            if (value === undefined) return;
            const hour = Math.floor((timestamp.getTime() - start) / HOUR_MS);
            if (hour >= 0 && hour < 24)
              data.push({ hour, modelId: query.modelId, tokenClass: query.tokenClass, value });
          });
        }
      }
    }
    return data;
  }

  private async modelIds(metricName: string): Promise<string[]> {
    const ids = new Set<string>();
    const pages = paginateListMetrics(
      { client: this.client },
      { Namespace: this.namespace, MetricName: metricName, Dimensions: [{ Name: 'ModelId' }] },
    );
    for await (const page of pages) {
      for (const metric of page.Metrics ?? []) {
        const dimensions = metric.Dimensions ?? [];
        const [only] = dimensions;
        if (dimensions.length === 1 && only?.Name === 'ModelId' && only.Value !== undefined)
          ids.add(only.Value);
      }
    }
    return [...ids];
  }
}
